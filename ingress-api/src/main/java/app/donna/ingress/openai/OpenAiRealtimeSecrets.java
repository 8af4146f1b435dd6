package app.donna.ingress.openai;

import app.donna.ingress.voice.RealtimeSecrets;
import app.donna.ingress.voice.RealtimeSecrets.NotMinted.Reason;
import app.donna.ingress.voice.VoiceSettings;
import app.donna.platform.persona.Persona;
import app.donna.platform.persona.PinnedVoiceSession;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.ObjectMappers;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.realtime.RealtimeSessionCreateRequest;
import com.openai.models.realtime.clientsecrets.ClientSecretCreateParams;
import com.openai.models.realtime.clientsecrets.ClientSecretCreateResponse;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * {@link RealtimeSecrets} from OpenAI: its {@code POST /v1/realtime/client_secrets}, through the official
 * client, with the session the server pins (model, voice, the persona's voice instructions, turn
 * detection, transcription, the receptionist's tools). Without a key it mints nothing and says voice is
 * offline.
 */
@Component
class OpenAiRealtimeSecrets implements RealtimeSecrets, DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(OpenAiRealtimeSecrets.class);

    private final VoiceSettings settings;
    private final OpenAIClient client;

    OpenAiRealtimeSecrets(VoiceSettings settings) {
        this.settings = settings;
        this.client = settings.online()
                ? OpenAIOkHttpClient.builder()
                        .baseUrl(settings.baseUrl())
                        .apiKey(settings.apiKey())
                        .timeout(settings.timeout())
                        // a caller waiting for a token retries by itself; ours would only make it wait longer
                        .maxRetries(0)
                        .build()
                : null;
    }

    @Override
    public Minted mint(Duration lifetime, Persona persona) {
        if (client == null) {
            throw new NotMinted(Reason.OFFLINE, "Voice is offline here: no OpenAI API key is configured.", null);
        }
        Duration ttl = lifetime.compareTo(settings.tokenLifetime()) < 0 ? lifetime : settings.tokenLifetime();
        try {
            ClientSecretCreateResponse created =
                    client.realtime().clientSecrets().create(params(ttl, persona));
            return new Minted(created.value(), Instant.ofEpochSecond(created.expiresAt()), settings.model());
        } catch (OpenAIServiceException e) {
            if (e.statusCode() == 429 || e.statusCode() == 503) {
                throw new NotMinted(Reason.BUSY, "The voice service is busy; try again shortly.", e);
            }
            // 401 or 403 mean our key is wrong or lacks access: the operator's to fix, so it is an error here
            log.error("OpenAI refused to mint a Realtime client secret: HTTP {}", e.statusCode(), e);
            throw new NotMinted(Reason.UPSTREAM_FAILED, "The voice service refused the request.", e);
        } catch (OpenAIIoException e) {
            if (timedOut(e)) {
                throw new NotMinted(Reason.TIMED_OUT, "The voice service did not answer in time.", e);
            }
            throw new NotMinted(Reason.UPSTREAM_FAILED, "The voice service could not be reached.", e);
        }
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedIOException) { // SocketTimeoutException and OkHttp's call timeout
                return true;
            }
        }
        return false;
    }

    /** The request: the lifetime, and the session the call is pinned to. */
    ClientSecretCreateParams params(Duration ttl, Persona persona) {
        return ClientSecretCreateParams.builder()
                .expiresAfter(ClientSecretCreateParams.ExpiresAfter.builder()
                        .anchor(ClientSecretCreateParams.ExpiresAfter.Anchor.CREATED_AT)
                        .seconds(ttl.toSeconds())
                        .build())
                .session(pinnedSession(settings, persona))
                .build();
    }

    /**
     * The session the server pins, as the relay pins it too ({@link PinnedVoiceSession}), with the call's
     * workspace's persona, read into the client's own type so the request is what the API documents.
     */
    private static RealtimeSessionCreateRequest pinnedSession(VoiceSettings settings, Persona persona) {
        PinnedVoiceSession pinned = PinnedVoiceSession.of(
                settings.model(), settings.voice(), persona, settings.serverVad(), settings.transcriptionModel());
        return ObjectMappers.jsonMapper().convertValue(pinned.asRealtimeSession(), RealtimeSessionCreateRequest.class);
    }

    @Override
    public void destroy() {
        if (client != null) {
            client.close();
        }
    }
}
