package app.donna.localinfra;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The subset of the Gmail REST API ({@code /gmail/v1/users/me/...}) Donna uses, answered from a
 * {@link StandInMailbox} as Gmail would: {@code profile}; {@code messages} list (the search operators
 * {@code in:inbox}, {@code in:sent}, {@code is:unread}, {@code newer_than:Nd}, {@code rfc822msgid:}) and get
 * ({@code metadata}, {@code full}, {@code minimal}); {@code messages/send}; {@code history} (404 for a start
 * older than the history kept); {@code threads/{id}}; {@code drafts} create, get and send. A mailbox's
 * scripted failures and delay come before its answers. What it does not understand it answers 400, so a
 * change on Donna's side is noticed rather than half-served.
 */
final class StandInGmailApi {

    private static final String PREFIX = "/gmail/v1/users/me/";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    void handle(HttpExchange exchange, StandInMailbox box) throws IOException {
        try (exchange) {
            StandInGoogle.Failure failure = box.nextFailure();
            Duration delay = box.delay();
            if (!delay.isZero()) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (failure != null) {
                if (failure.retryAfterSeconds() > 0) {
                    exchange.getResponseHeaders().add("Retry-After", String.valueOf(failure.retryAfterSeconds()));
                }
                StandInGoogle.respond(exchange, failure.status(), "application/json", failure.json());
                return;
            }
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            Map<String, List<String>> q = query(exchange.getRequestURI().getRawQuery());
            String method = exchange.getRequestMethod();
            Object answer;
            try {
                answer = route(method, path, q, exchange, box);
            } catch (IllegalArgumentException e) {
                error(exchange, 400, "INVALID_ARGUMENT", e.getMessage());
                return;
            }
            if (answer == null) {
                error(exchange, 404, "NOT_FOUND", "Requested entity was not found.");
                return;
            }
            if (method.equals("POST")
                    && path.endsWith("/send")
                    && !box.sendAnswerDelay().isZero()) {
                try {
                    Thread.sleep(box.sendAnswerDelay()); // sent already; the answer comes late
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            StandInGoogle.respond(exchange, 200, "application/json", JSON.writeValueAsString(answer));
        }
    }

    private Object route(
            String method, String path, Map<String, List<String>> q, HttpExchange exchange, StandInMailbox box)
            throws IOException {
        String[] parts = path.split("/");
        return switch (method + " " + parts[0]) {
            case "GET profile" ->
                Map.of(
                        "emailAddress", box.address(),
                        "messagesTotal", box.messages().size(),
                        "threadsTotal", box.messages().size(),
                        "historyId", String.valueOf(box.historyId()));
            case "GET messages" ->
                parts.length == 1
                        ? list(box, q)
                        : box.message(parts[1]).map(m -> message(m, q)).orElse(null);
            case "POST messages" -> {
                if (parts.length != 2 || !parts[1].equals("send")) {
                    throw new IllegalArgumentException("unknown method " + path);
                }
                JsonNode body = body(exchange);
                var sent = box.send(raw(body), text(body, "threadId"));
                yield Map.of("id", sent.id(), "threadId", sent.threadId(), "labelIds", sent.labelIds());
            }
            case "GET history" -> history(box, q);
            case "GET threads" -> {
                var thread = parts.length == 2 ? box.thread(parts[1]) : List.<StandInMailbox.Message>of();
                yield thread.isEmpty()
                        ? null
                        : Map.of(
                                "id",
                                parts[1],
                                "historyId",
                                String.valueOf(box.historyId()),
                                "messages",
                                thread.stream().map(m -> message(m, q)).toList());
            }
            case "POST drafts" -> {
                JsonNode body = body(exchange);
                if (parts.length == 2 && parts[1].equals("send")) {
                    yield box.sendDraft(text(body, "id"))
                            .map(m -> Map.of("id", m.id(), "threadId", m.threadId(), "labelIds", m.labelIds()))
                            .orElse(null);
                }
                JsonNode message = body.path("message");
                var draft = box.draft(raw(message), text(message, "threadId"));
                yield draft(draft, Map.of());
            }
            case "GET drafts" ->
                box.drafts().stream()
                        .filter(d -> parts.length == 2 && d.id().equals(parts[1]))
                        .findFirst()
                        .map(d -> draft(d, q))
                        .orElse(null);
            default -> throw new IllegalArgumentException("this stand-in does not serve " + method + " " + path);
        };
    }

    private static Map<String, Object> list(StandInMailbox box, Map<String, List<String>> q) {
        Predicate<StandInMailbox.Message> matches = search(first(q, "q", ""));
        for (String label : q.getOrDefault("labelIds", List.of())) {
            matches = matches.and(m -> m.labelIds().contains(label));
        }
        int max = Integer.parseInt(first(q, "maxResults", "100"));
        int from = Integer.parseInt(first(q, "pageToken", "0"));
        List<StandInMailbox.Message> all =
                box.newestFirst().stream().filter(matches).toList();
        List<Map<String, String>> page = all.stream()
                .skip(from)
                .limit(max)
                .map(m -> Map.of("id", m.id(), "threadId", m.threadId()))
                .toList();
        Map<String, Object> answer = new LinkedHashMap<>();
        if (!page.isEmpty()) {
            answer.put("messages", page);
        }
        if (from + max < all.size()) {
            answer.put("nextPageToken", String.valueOf(from + max));
        }
        answer.put("resultSizeEstimate", all.size());
        return answer;
    }

    /** Gmail's search, for the operators Donna uses; any other word is refused. */
    private static Predicate<StandInMailbox.Message> search(String query) {
        Predicate<StandInMailbox.Message> matches = m -> true;
        for (String term : query.strip().split("\\s+")) {
            if (term.isEmpty()) {
                continue;
            }
            String t = term.toLowerCase(Locale.ROOT);
            if (t.equals("in:inbox")) {
                matches = matches.and(m -> m.labelIds().contains("INBOX"));
            } else if (t.equals("in:sent")) {
                matches = matches.and(m -> m.labelIds().contains("SENT"));
            } else if (t.equals("is:unread")) {
                matches = matches.and(m -> m.labelIds().contains("UNREAD"));
            } else if (t.matches("newer_than:\\d+d")) {
                Instant since = Instant.now().minus(Duration.ofDays(Long.parseLong(t.substring(11, t.length() - 1))));
                matches = matches.and(m -> m.internalDate().isAfter(since));
            } else if (t.startsWith("rfc822msgid:")) {
                String id = term.substring("rfc822msgid:".length());
                matches = matches.and(m -> StandInMailbox.hasMessageId(m, id));
            } else {
                throw new IllegalArgumentException("this stand-in does not understand the search term " + term);
            }
        }
        return matches;
    }

    private static Object history(StandInMailbox box, Map<String, List<String>> q) {
        String start = first(q, "startHistoryId", null);
        if (start == null) {
            throw new IllegalArgumentException("startHistoryId is required");
        }
        long from = Long.parseLong(start);
        if (from < box.oldestHistoryId()) {
            return null; // Gmail's answer for a history it no longer keeps: 404, sync in full
        }
        String label = first(q, "labelId", null);
        int max = Integer.parseInt(first(q, "maxResults", "100"));
        int skip = Integer.parseInt(first(q, "pageToken", "0"));
        List<StandInMailbox.Message> added = box.addedAfter(from).stream()
                .filter(m -> label == null || m.labelIds().contains(label))
                .toList();
        List<Map<String, Object>> history = new ArrayList<>();
        for (StandInMailbox.Message m : added.stream().skip(skip).limit(max).toList()) {
            Map<String, Object> ref = Map.of("id", m.id(), "threadId", m.threadId(), "labelIds", m.labelIds());
            history.add(Map.of(
                    "id",
                    String.valueOf(m.historyId()),
                    "messages",
                    List.of(Map.of("id", m.id(), "threadId", m.threadId())),
                    "messagesAdded",
                    List.of(Map.of("message", ref))));
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        if (!history.isEmpty()) {
            answer.put("history", history);
        }
        if (skip + max < added.size()) {
            answer.put("nextPageToken", String.valueOf(skip + max));
        }
        answer.put("historyId", String.valueOf(box.historyId()));
        return answer;
    }

    private static Map<String, Object> message(StandInMailbox.Message m, Map<String, List<String>> q) {
        String format = first(q, "format", "full");
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("id", m.id());
        answer.put("threadId", m.threadId());
        answer.put("labelIds", m.labelIds());
        answer.put("snippet", m.snippet());
        answer.put("historyId", String.valueOf(m.historyId()));
        answer.put("internalDate", String.valueOf(m.internalDate().toEpochMilli()));
        answer.put("sizeEstimate", m.body().length() + 200);
        if (format.equals("minimal")) {
            return answer;
        }
        if (format.equals("raw")) {
            throw new IllegalArgumentException("this stand-in does not serve format=raw");
        }
        Set<String> wanted = format.equals("metadata")
                ? q.getOrDefault("metadataHeaders", List.of()).stream()
                        .map(h -> h.toLowerCase(Locale.ROOT))
                        .collect(java.util.stream.Collectors.toSet())
                : Set.of();
        List<Map<String, String>> headers = m.headers().entrySet().stream()
                .filter(e -> wanted.isEmpty() || wanted.contains(e.getKey().toLowerCase(Locale.ROOT)))
                .map(e -> Map.of("name", e.getKey(), "value", e.getValue()))
                .toList();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("partId", "");
        payload.put("mimeType", "text/plain");
        payload.put("headers", headers);
        if (format.equals("full")) {
            byte[] body = m.body().getBytes(StandardCharsets.UTF_8);
            payload.put(
                    "body",
                    Map.of("size", body.length, "data", Base64.getUrlEncoder().encodeToString(body)));
        } else {
            payload.put("body", Map.of("size", 0));
        }
        answer.put("payload", payload);
        return answer;
    }

    private static Map<String, Object> draft(StandInMailbox.Draft d, Map<String, List<String>> q) {
        return Map.of(
                "id", d.id(), "message", message(d.message(), q.isEmpty() ? Map.of("format", List.of("minimal")) : q));
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            bytes = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes)).readAllBytes();
        }
        try {
            return JSON.readTree(bytes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the request body is not JSON");
        }
    }

    private static String raw(JsonNode message) {
        String raw = text(message, "raw");
        if (raw == null || raw.isEmpty()) {
            throw new IllegalArgumentException(
                    "'raw' RFC822 payload message string or uploading message via /upload/* URL required");
        }
        if (!raw.matches("[A-Za-z0-9_-]+=*")) {
            throw new IllegalArgumentException("Invalid value for ByteString: raw is not base64url");
        }
        return raw;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static String first(Map<String, List<String>> q, String name, String otherwise) {
        List<String> values = q.get(name);
        return values == null || values.isEmpty() ? otherwise : values.getFirst();
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            q.computeIfAbsent(java.net.URLDecoder.decode(kv[0], StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return q;
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        StandInGoogle.respond(
                exchange,
                status,
                "application/json",
                JSON.writeValueAsString(Map.of("error", Map.of("code", status, "message", message, "status", code))));
    }
}
