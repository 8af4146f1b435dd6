// Donna's web console: plain ES modules, no build step. It signs people in at the configured OpenID issuer
// (authorization code with PKCE), or lets them chat as a visitor, and drives the same public API any client
// uses: chat with streamed replies, voice through the relay, the inbox and dashboards, and Gmail.

const $ = (id) => document.getElementById(id);
const TOKEN = 'donna.console.token';
const SIGN_IN = 'donna.console.sign-in';
const CHAT = 'donna.console.chat';

const state = {
  config: null,
  token: sessionStorage.getItem(TOKEN), // a signed-in user's access token
  user: null,
  membership: null, // {workspaceId, role} when the user works for a workspace
  chat: JSON.parse(sessionStorage.getItem(CHAT) || 'null'), // {sessionId, token}
  dashboards: {},
  dashboard: 'secretary',
  openConversation: null,
};

class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function showError(error) {
  $('error').textContent = error ? String(error.message || error) : '';
  if (error) console.error(error);
}

async function api(path, { method = 'GET', body, token = state.token, accept } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (accept) headers.Accept = accept;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text };
  }
  if (!response.ok) {
    throw new ApiError(response.status, (data && (data.detail || data.title)) || `${response.status} ${response.statusText}`);
  }
  return data;
}

// ---- signing in: OAuth 2.0 authorization code with PKCE (RFC 7636), a public client ----

const base64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)))
  .replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function discovery() {
  const issuer = state.config.issuer.replace(/\/$/, '');
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The issuer ${issuer} did not answer its discovery document (${response.status}).`);
  return response.json();
}

function redirectUri() {
  return `${location.origin}/console/`;
}

async function signIn() {
  const endpoints = await discovery();
  const verifier = randomString();
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const nonce = randomString();
  sessionStorage.setItem(SIGN_IN, JSON.stringify({ verifier, state: nonce }));
  const url = new URL(endpoints.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: state.config.clientId,
    redirect_uri: redirectUri(),
    scope: state.config.scope,
    state: nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(state.config.audience ? { audience: state.config.audience } : {}),
  }).toString();
  location.assign(url.toString());
}

/** Back from the issuer with ?code=&state=: redeems the code for a token. */
async function finishSignIn(params) {
  const started = JSON.parse(sessionStorage.getItem(SIGN_IN) || 'null');
  sessionStorage.removeItem(SIGN_IN);
  history.replaceState(null, '', '/console/');
  if (params.get('error')) throw new Error(`Sign-in refused: ${params.get('error_description') || params.get('error')}`);
  if (!started || started.state !== params.get('state')) throw new Error('Sign-in was not started here, or started twice: sign in again.');
  const endpoints = await discovery();
  const response = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri(),
      client_id: state.config.clientId,
      code_verifier: started.verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok || !body.access_token) throw new Error(`The issuer refused the sign-in: ${body.error_description || body.error || response.status}`);
  state.token = body.access_token;
  sessionStorage.setItem(TOKEN, state.token);
  forgetChat(); // a visitor's chat stays the visitor's
}

function signOut() {
  sessionStorage.clear();
  location.assign('/console/');
}

function subjectOf(token) {
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    return JSON.parse(atob(payload)).sub;
  } catch {
    return null;
  }
}

// ---- tabs ----

function showTab(name) {
  for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = panel.id !== name;
  for (const button of document.querySelectorAll('#tabs button')) {
    button.setAttribute('aria-current', String(button.dataset.tab === name));
  }
  location.hash = name;
  if (name === 'inbox') loadInbox().catch(showError);
  if (name === 'dashboards') renderDashboard();
  if (name === 'mail') loadMail().catch(showError);
}

function enableTabs() {
  const staff = !!state.membership;
  for (const button of document.querySelectorAll('#tabs button[data-needs]')) {
    button.hidden = button.dataset.needs === 'staff' ? !staff : !state.token;
  }
}

// ---- chat ----

function forgetChat() {
  closeStream(state.chatStream);
  state.chat = null;
  sessionStorage.removeItem(CHAT);
  $('chat-log').replaceChildren();
}

async function ensureChat() {
  if (state.chat) return state.chat;
  const opened = state.token
    ? await api('/api/chat/sessions', { method: 'POST' })
    : await api('/api/chat/sessions', { method: 'POST', token: null });
  state.chat = { sessionId: opened.sessionId, token: opened.token || state.token };
  sessionStorage.setItem(CHAT, JSON.stringify(state.chat));
  state.chatStream = openReplies(state.chat, $('chat-log'));
  // the first answer streams to a stream that is open before the question is asked (or after 5 s: then the
  // answer shows whole when the stream opens)
  await Promise.race([state.chatStream.ready, new Promise((r) => setTimeout(r, 5000))]);
  return state.chat;
}

function line(log, from, text, key) {
  let item = key ? log.querySelector(`[data-key="${key}"]`) : null;
  if (!item) {
    item = document.createElement('li');
    if (key) item.dataset.key = key;
    item.dataset.from = from;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = from;
    item.append(who, document.createElement('span'));
    log.append(item);
  }
  item.dataset.from = from;
  item.querySelector('.who').textContent = from;
  item.lastChild.textContent = text;
  log.scrollTop = log.scrollHeight;
  return item;
}

/** Replies of a session as they are made: a ticket opens an EventSource (which cannot send a token). */
function openReplies(chat, log) {
  const stream = { closed: false, source: null, lastEventId: null, texts: {} };
  stream.ready = new Promise((resolve) => { stream.opened = resolve; });
  const open = async () => {
    if (stream.closed) return;
    try {
      const ticket = await api(`/api/chat/sessions/${chat.sessionId}/stream-tickets`, { method: 'POST', token: chat.token });
      const url = ticket.streamUrl + (stream.lastEventId ? `&lastEventId=${encodeURIComponent(stream.lastEventId)}` : '');
      const source = new EventSource(url);
      stream.source = source;
      source.onopen = () => stream.opened();
      source.addEventListener('delta', (e) => {
        stream.lastEventId = e.lastEventId || stream.lastEventId;
        const d = JSON.parse(e.data);
        stream.texts[d.replyId] = (stream.texts[d.replyId] || '') + d.delta;
        const item = line(log, 'assistant', stream.texts[d.replyId], d.replyId);
        item.dataset.streaming = 'true';
        item.dataset.deltas = String(Number(item.dataset.deltas || 0) + 1); // how many pieces it came in
      });
      source.addEventListener('reply', (e) => {
        stream.lastEventId = e.lastEventId || stream.lastEventId;
        const r = JSON.parse(e.data);
        const item = line(log, r.from, r.text, r.replyId);
        item.dataset.streaming = 'false';
        item.dataset.final = 'true';
      });
      source.addEventListener('status', (e) => {
        const s = JSON.parse(e.data);
        line(log, 'system', `The answer is taking longer than usual (${s.reason.toLowerCase()})…`, `status-${s.replyId}`);
      });
      source.onerror = () => { // a ticket opens once: reconnect with a new one, from the last event seen
        source.close();
        if (!stream.closed) setTimeout(open, 1000);
      };
    } catch (error) {
      showError(error);
      if (!stream.closed) setTimeout(open, 3000);
    }
  };
  open();
  return stream;
}

function closeStream(stream) {
  if (!stream) return;
  stream.closed = true;
  if (stream.source) stream.source.close();
}

async function sendChat(event) {
  event.preventDefault();
  const text = $('chat-input').value.trim();
  if (!text) return;
  const chat = await ensureChat();
  $('chat-input').value = '';
  line($('chat-log'), state.token ? 'user' : 'visitor', text);
  await api(`/api/chat/sessions/${chat.sessionId}/messages`, { method: 'POST', body: { text }, token: chat.token });
}

// ---- voice: the relay speaks the OpenAI Realtime interface; audio is PCM16 mono at 24 kHz ----

const voice = { socket: null, context: null, media: null, serverVad: false, pending: [], speaking: 0 };

function pcm16Base64(samples) {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    view.setInt16(i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function play(base64) {
  const binary = atob(base64);
  const samples = new Float32Array(Math.floor(binary.length / 2));
  for (let i = 0; i < samples.length; i++) {
    const v = (binary.charCodeAt(2 * i + 1) << 8) | binary.charCodeAt(2 * i);
    samples[i] = (v >= 0x8000 ? v - 0x10000 : v) / 0x8000;
  }
  if (!voice.context || samples.length === 0) return;
  const buffer = voice.context.createBuffer(1, samples.length, 24000);
  buffer.copyToChannel(samples, 0);
  const source = voice.context.createBufferSource();
  source.buffer = buffer;
  source.connect(voice.context.destination);
  voice.speaking = Math.max(voice.speaking, voice.context.currentTime);
  source.start(voice.speaking);
  voice.speaking += buffer.duration;
}

async function startCall() {
  showError(null);
  const relay = state.config.voiceRelayUrl;
  const token = state.token || (await ensureChat()).token;
  $('call-start').disabled = true;
  $('call-status').textContent = 'Asking for the microphone…';
  voice.media = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true } });
  voice.context = new AudioContext({ sampleRate: 24000 });
  await voice.context.audioWorklet.addModule('pcm-capture.js');
  const capture = new AudioWorkletNode(voice.context, 'pcm-capture');
  voice.context.createMediaStreamSource(voice.media).connect(capture);
  $('call-status').textContent = 'Connecting…';
  const socket = new WebSocket(`${relay.replace(/\/$/, '')}/v1/realtime?model=gpt-realtime`,
    ['realtime', `openai-insecure-api-key.${token}`]);
  voice.socket = socket;
  let chunk = [];
  capture.port.onmessage = (e) => { // about a tenth of a second per append
    if (socket.readyState !== WebSocket.OPEN) return;
    chunk.push(e.data);
    if (chunk.reduce((n, c) => n + c.length, 0) >= 2400) {
      const all = new Float32Array(chunk.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunk) { all.set(c, at); at += c.length; }
      chunk = [];
      socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: pcm16Base64(all) }));
    }
  };
  const texts = {};
  socket.onopen = () => {
    $('call-status').textContent = 'In a call: speak, then press “Done talking”.';
    $('call-done').disabled = false;
    $('call-end').disabled = false;
  };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    switch (event.type) {
      case 'session.created':
      case 'session.updated':
        voice.serverVad = !!(event.session && event.session.audio && event.session.audio.input
          && event.session.audio.input.turn_detection);
        break;
      case 'conversation.item.input_audio_transcription.completed':
        line($('call-log'), 'caller', event.transcript || '(nothing heard)', `in-${event.item_id}`);
        break;
      case 'response.output_audio_transcript.delta':
        texts[event.item_id] = (texts[event.item_id] || '') + event.delta;
        line($('call-log'), 'assistant', texts[event.item_id], `out-${event.item_id}`);
        break;
      case 'response.output_audio_transcript.done':
        line($('call-log'), 'assistant', event.transcript, `out-${event.item_id}`).dataset.final = 'true';
        break;
      case 'response.output_audio.delta':
        play(event.delta);
        break;
      case 'response.function_call_arguments.done':
        line($('call-log'), 'system', `The receptionist used ${event.name}.`, `tool-${event.call_id}`).dataset.tool = event.name;
        break;
      case 'error':
        showError(new Error(`Voice: ${(event.error && event.error.message) || 'an error'}`));
        break;
      default:
    }
  };
  socket.onclose = (e) => {
    $('call-status').textContent = `Call ended${e.reason ? `: ${e.reason}` : ''} (${e.code}).`;
    endCall();
  };
}

function commitTurn() {
  if (!voice.socket || voice.socket.readyState !== WebSocket.OPEN) return;
  voice.socket.send(JSON.stringify({ type: 'input_audio_buffer.commit' }));
  if (!voice.serverVad) voice.socket.send(JSON.stringify({ type: 'response.create' }));
}

function endCall() {
  if (voice.socket && voice.socket.readyState <= WebSocket.OPEN) voice.socket.close(1000, 'hung up');
  if (voice.media) voice.media.getTracks().forEach((t) => t.stop());
  if (voice.context) voice.context.close();
  Object.assign(voice, { socket: null, media: null, context: null, speaking: 0 });
  $('call-start').disabled = !state.config.voiceRelayUrl;
  $('call-done').disabled = true;
  $('call-end').disabled = true;
}

// ---- generic tables ----

function cell(value) {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(cell).join(', ');
  if (typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}: ${cell(v)}`).join(', ');
  return String(value);
}

/** Rows as a table; actions: [{label, run(row), when(row)}] become buttons in a last column. */
function table(element, rows, { columns, actions = [], key } = {}) {
  element.replaceChildren();
  if (!rows || rows.length === 0) {
    element.createTBody().insertRow().insertCell().textContent = 'Nothing yet.';
    return;
  }
  const names = columns || Object.keys(rows[0]);
  const head = element.createTHead().insertRow();
  for (const name of names) head.append(Object.assign(document.createElement('th'), { textContent: name }));
  if (actions.length) head.append(document.createElement('th'));
  const body = element.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    if (key) tr.dataset.key = row[key];
    for (const name of names) {
      const td = tr.insertCell();
      td.dataset.field = name;
      td.textContent = cell(row[name]);
    }
    if (actions.length) {
      const td = tr.insertCell();
      for (const action of actions) {
        if (action.when && !action.when(row)) continue;
        const button = Object.assign(document.createElement('button'), { type: 'button', textContent: action.label });
        button.dataset.action = action.id || action.label;
        button.onclick = () => action.run(row, button).catch(showError);
        td.append(button);
      }
    }
  }
}

// ---- inbox: the workspace's conversations; staff take a chat over ----

async function loadInbox() {
  const inbox = state.dashboards.inbox || await api('/api/dashboards/inbox');
  renderInbox(inbox);
}

function renderInbox(inbox) {
  $('inbox-counts').textContent = Object.entries(inbox.counts || {}).map(([k, v]) => `${k}: ${v}`).join(' · ');
  table($('inbox-table'), inbox.conversations, {
    key: 'conversationId',
    columns: ['channel', 'contact', 'status', 'lastFrom', 'lastMessage', 'lastAt', 'messages'],
    actions: [{ id: 'open', label: 'Open', when: (r) => r.conversationId.startsWith('chat:'), run: async (r) => openConversation(r.conversationId.slice(5)) }],
  });
  if (state.openConversation) loadConversation().catch(showError);
}

async function openConversation(sessionId) {
  closeStream(state.conversationStream);
  state.openConversation = sessionId;
  $('conversation').hidden = false;
  $('conversation-id').textContent = sessionId;
  $('conversation-log').replaceChildren();
  await loadConversation();
  state.conversationStream = openReplies({ sessionId, token: state.token }, $('conversation-log'));
}

async function loadConversation() {
  const history = await api(`/api/chat/sessions/${state.openConversation}/messages`);
  for (const m of history.messages) { // a reply's message id is its replyId, as on the stream
    line($('conversation-log'), m.role === 'user' ? 'visitor' : m.role, m.text, m.messageId);
  }
}

async function takeover(path, body) {
  await api(`/api/chat/sessions/${state.openConversation}/${path}`, { method: 'POST', body });
}

// ---- dashboards: live over server-sent events, read with fetch so the token goes in a header ----

async function followDashboards() {
  for (;;) {
    try {
      const response = await fetch('/api/dashboards/stream', { headers: { Authorization: `Bearer ${state.token}`, Accept: 'text/event-stream' } });
      if (!response.ok) throw new ApiError(response.status, `The dashboards stream answered ${response.status}`);
      $('live').textContent = 'live';
      $('live').classList.add('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let name = 'message';
          let data = '';
          for (const l of block.split('\n')) {
            if (l.startsWith('event:')) name = l.slice(6).trim();
            else if (l.startsWith('data:')) data += l.slice(5).trim();
          }
          if (data) dashboardChanged(name, JSON.parse(data));
        }
      }
    } catch (error) {
      if (error.status === 401 || error.status === 404) return;
      console.warn(error);
    }
    $('live').textContent = 'reconnecting…';
    $('live').classList.remove('live');
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function dashboardChanged(name, data) {
  state.dashboards[name] = data;
  if (name === state.dashboard && !$('dashboards').hidden) renderDashboard();
  if (name === 'inbox' && !$('inbox').hidden) renderInbox(data);
}

/** A figure: its value large, its name below (text only: nothing from the API becomes markup). */
function figure(label, value) {
  const box = Object.assign(document.createElement('div'), { className: 'figure' });
  box.append(Object.assign(document.createElement('b'), { textContent: cell(value) }), label);
  return box;
}

/** The columns worth a person's attention; other tables show every field. */
const COLUMNS = {
  'secretary.items': ['kind', 'source', 'contactName', 'callbackNumber', 'summary', 'requestedAt', 'delivery', 'status'],
  'inbox.conversations': ['channel', 'contact', 'status', 'lastFrom', 'lastMessage', 'lastAt', 'messages'],
};

function renderDashboard() {
  for (const b of document.querySelectorAll('#dashboard-names button')) b.setAttribute('aria-current', String(b.dataset.dashboard === state.dashboard));
  const view = $('dashboard-view');
  const data = state.dashboards[state.dashboard];
  view.replaceChildren();
  if (!data) {
    api(`/api/dashboards/${state.dashboard}`).then((d) => dashboardChanged(state.dashboard, d)).catch(showError);
    return;
  }
  view.dataset.dashboard = state.dashboard;
  const figures = document.createElement('div');
  figures.className = 'figures';
  for (const [name, value] of Object.entries(data)) {
    if (Array.isArray(value)) {
      const heading = Object.assign(document.createElement('h3'), { textContent: name });
      const t = document.createElement('table');
      t.id = `dashboard-${state.dashboard}-${name}`;
      const actions = state.dashboard === 'secretary' && name === 'items'
        ? ['in_progress', 'done'].map((status) => ({
          id: status,
          label: status === 'done' ? 'Done' : 'In progress',
          when: (r) => r.status.toLowerCase() !== status,
          run: async (r) => { await api(`/api/dashboards/secretary/items/${r.actionId}/status`, { method: 'POST', body: { status } }); },
        }))
        : [];
      table(t, value, {
        actions,
        columns: COLUMNS[`${state.dashboard}.${name}`],
        key: value[0] && (value[0].actionId ? 'actionId' : value[0].conversationId ? 'conversationId' : undefined),
      });
      view.append(heading, t);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) figures.append(figure(`${name} ${k}`, v));
    } else {
      figures.append(figure(name, value));
    }
  }
  view.prepend(figures);
}

// ---- mail: the user's Gmail mailbox, drafts to approve, the autopilot ----

async function loadMail() {
  const connection = await api('/api/gmail/connection');
  const connected = connection.status === 'connected';
  $('mail-connection').textContent = connection.status === 'not-connected'
    ? 'No mailbox is connected.'
    : `${connection.emailAddress || 'The mailbox'} is ${connection.status}${connection.note ? `: ${connection.note}` : ''}.`;
  $('mail-connection').dataset.status = connection.status;
  $('mail-connect').hidden = connected;
  const [messages, drafts, logs, autopilot, decisions] = await Promise.all([
    api('/api/gmail/messages?limit=25'), api('/api/gmail/drafts?limit=25'), api('/api/gmail/logs?limit=25'),
    api('/api/gmail/autopilot'), api('/api/gmail/autopilot/decisions?limit=25'),
  ]);
  table($('mail-messages'), messages.messages, {
    key: 'id',
    columns: ['from', 'subject', 'snippet', 'receivedAt'],
    actions: [{ id: 'draft', label: 'Draft a reply', run: async (m, b) => {
      b.disabled = true;
      await api('/api/gmail/draft-reply', { method: 'POST', body: { messageId: m.id, threadId: m.threadId } });
      b.textContent = 'Drafting…';
    } }],
  });
  table($('mail-drafts'), drafts.drafts, {
    key: 'draftId',
    columns: ['to', 'subject', 'body', 'model', 'degradedReason', 'createdAt', 'sent'],
    actions: [{ id: 'approve', label: 'Approve and send', when: (d) => !!d.draftId && !d.sent, run: async (d, b) => {
      b.disabled = true;
      await api(`/api/gmail/drafts/${encodeURIComponent(d.draftId)}/approve`, { method: 'POST' });
      b.textContent = 'Sending…';
    } }],
  });
  table($('mail-logs'), logs.logs, { columns: ['outcome', 'to', 'subject', 'origin', 'reason', 'at'] });
  state.autopilot = autopilot;
  $('autopilot-mode').value = autopilot.mode;
  const subjects = Object.fromEntries(messages.messages.map((m) => [m.id, m.subject]));
  table($('autopilot-decisions'), decisions.decisions.map((d) => ({ ...d, subject: subjects[d.messageId] || d.messageId })), {
    columns: ['decision', 'reasons', 'subject', 'decidedAt'],
  });
}

async function connectMailbox() {
  const started = await api('/api/gmail/oauth/start', { accept: 'application/json' });
  location.assign(started.authorizationUrl);
}

// ---- start ----

async function start() {
  state.config = await api('/api/console/config', { token: null });
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) await finishSignIn(params);
  $('sign-in').hidden = !!state.token || !state.config.clientId;
  $('sign-out').hidden = !state.token;
  if (!state.config.voiceRelayUrl) {
    $('voice-offline').hidden = false;
    $('call-start').disabled = true;
  }
  if (state.token) {
    state.user = subjectOf(state.token);
    try {
      state.membership = await api('/api/workspace');
    } catch (error) {
      if (error.status === 401) { sessionStorage.removeItem(TOKEN); state.token = null; } else if (error.status !== 404) throw error;
    }
  }
  $('who').textContent = state.token
    ? `Signed in as ${state.user}${state.membership ? ` · ${state.membership.role.toLowerCase()} of ${state.membership.name || state.membership.workspaceId}` : ''}`
    : 'Not signed in: chatting as a visitor';
  $('who').dataset.user = state.user || '';
  enableTabs();
  if (state.chat) state.chatStream = openReplies(state.chat, $('chat-log'));
  if (state.membership) followDashboards();
  const gmail = params.get('gmail');
  if (gmail) {
    history.replaceState(null, '', '/console/#mail');
    if (gmail !== 'connecting') showError(new Error(`Gmail: ${gmail}`));
  }
  const wanted = gmail ? 'mail' : location.hash.slice(1);
  const tab = document.querySelector(`#tabs button[data-tab="${wanted}"]:not([hidden])`) ? wanted : 'chat';
  showTab(tab);
  document.body.dataset.ready = 'true';
}

$('tabs').addEventListener('click', (e) => { if (e.target.dataset.tab) showTab(e.target.dataset.tab); });
$('dashboard-names').addEventListener('click', (e) => {
  if (e.target.dataset.dashboard) { state.dashboard = e.target.dataset.dashboard; renderDashboard(); }
});
$('sign-in').onclick = () => signIn().catch(showError);
$('sign-out').onclick = signOut;
$('chat-form').onsubmit = (e) => sendChat(e).catch(showError);
$('chat-new').onclick = forgetChat;
$('call-start').onclick = () => startCall().catch((e) => { showError(e); endCall(); });
$('call-done').onclick = commitTurn;
$('call-end').onclick = endCall;
$('take-over').onclick = () => takeover('takeover').catch(showError);
$('hand-back').onclick = () => takeover('handback').catch(showError);
$('staff-form').onsubmit = (e) => {
  e.preventDefault();
  const text = $('staff-input').value.trim();
  if (!text) return;
  $('staff-input').value = '';
  takeover('staff-replies', { text }).catch(showError);
};
$('mail-connect').onclick = () => connectMailbox().catch(showError);
$('mail-refresh').onclick = () => loadMail().catch(showError);
$('autopilot-mode').onchange = (e) => api('/api/gmail/autopilot', { method: 'PUT', body: { ...state.autopilot, mode: e.target.value } })
  .then(() => loadMail()).catch(showError);
setInterval(() => { if (!$('mail').hidden) loadMail().catch(showError); }, 3000);

start().catch(showError);
