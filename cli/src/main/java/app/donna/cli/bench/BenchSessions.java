package app.donna.cli.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The chat sessions a bench posts to, each opened by its own user with a token from the dev issuer, as a
 * client of donna dev would.
 *
 * @param tokens   the users' tokens, by index
 * @param sessions the session each user opened, by the same index
 */
record BenchSessions(List<String> tokens, List<UUID> sessions) {

    static BenchSessions open(HttpClient http, URI ingress, int count) throws IOException, InterruptedException {
        List<String> tokens = new ArrayList<>();
        List<UUID> sessions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = http.send(
                            HttpRequest.newBuilder(ingress.resolve("/dev/token?sub=bench-" + i))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            String token = body.replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");
            tokens.add(token);
            String opened = http.send(
                            HttpRequest.newBuilder(ingress.resolve("/api/chat/sessions"))
                                    .header("Authorization", "Bearer " + token)
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            sessions.add(UUID.fromString(opened.replaceAll(".*\"sessionId\":\"([^\"]+)\".*", "$1")));
        }
        return new BenchSessions(List.copyOf(tokens), List.copyOf(sessions));
    }
}
