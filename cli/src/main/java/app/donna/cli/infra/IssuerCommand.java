package app.donna.cli.infra;

import app.donna.devissuer.DevTokenIssuer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import picocli.CommandLine.Command;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code donna issuer}: a stand-alone OpenID issuer for trying services run as their own processes, in
 * place of Clerk, Auth0 or Keycloak: OpenID discovery and a JWK set over HTTP (so services find its keys
 * exactly as they find a real provider's), and {@code /token?sub=<user>} for a signed access token. Not
 * for production: anyone who reaches it gets a token.
 */
@Command(
        name = "issuer",
        description = {
            "Serves an OpenID issuer at http://127.0.0.1:$DONNA_ISSUER_PORT/issuer (9000) for audience "
                    + "DONNA_JWT_AUDIENCES (donna-api): discovery, keys, and /token?sub=<user>. Never in production."
        })
public final class IssuerCommand implements Callable<Integer> {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, String> env;

    /** {@code donna issuer} configured by {@code env}, the process's environment. */
    public IssuerCommand(Map<String, String> env) {
        this.env = env;
    }

    /** Runs until stopped; returns once the shutdown hook has stopped the server. */
    @Override
    public Integer call() {
        return run(env);
    }

    public static int run(Map<String, String> env) {
        int port = Integer.parseInt(env.getOrDefault("DONNA_ISSUER_PORT", "9000"));
        String issuerUri = "http://127.0.0.1:" + port + "/issuer";
        List<String> audiences =
                List.of(env.getOrDefault("DONNA_JWT_AUDIENCES", "donna-api").split(","));
        DevTokenIssuer issuer = new DevTokenIssuer(issuerUri, audiences, Duration.ofHours(8), Clock.systemUTC());
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext(
                "/issuer/.well-known/openid-configuration",
                exchange -> respond(
                        exchange,
                        Map.of(
                                "issuer",
                                issuerUri,
                                "jwks_uri",
                                issuerUri + "/jwks.json",
                                "token_endpoint",
                                issuerUri + "/token",
                                "id_token_signing_alg_values_supported",
                                List.of("RS256"))));
        server.createContext("/issuer/jwks.json", exchange -> respond(exchange, issuer.jwks()));
        server.createContext("/issuer/token", exchange -> {
            String sub = query(exchange.getRequestURI(), "sub");
            if (sub == null || !sub.matches("[A-Za-z0-9_.@-]{1,128}")) {
                exchange.sendResponseHeaders(400, -1);
                exchange.close();
                return;
            }
            respond(
                    exchange,
                    Map.of(
                            "access_token",
                            issuer.mint(sub),
                            "token_type",
                            "Bearer",
                            "expires_in",
                            issuer.lifetime().toSeconds()));
        });
        server.start();
        CountDownLatch stopped = InfraCommand.onShutdown("stop-issuer", () -> server.stop(0));
        System.out.printf(
                "Donna issuer is up: DONNA_JWT_ISSUER_URI=%s; tokens from %s/token?sub=<user>%n", issuerUri, issuerUri);
        System.out.flush();
        return InfraCommand.awaitShutdown(stopped);
    }

    private static String query(URI uri, String name) {
        String query = uri.getRawQuery();
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void respond(HttpExchange exchange, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
