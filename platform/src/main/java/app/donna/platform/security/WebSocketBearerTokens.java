package app.donna.platform.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;

/**
 * Finds the bearer token where a caller can put it: the {@code Authorization} header (Spring Security's
 * rules), or, on a WebSocket handshake, the subprotocol {@code openai-insecure-api-key.<token>}, which is
 * how browsers pass a key to the OpenAI Realtime API (a browser's WebSocket cannot set headers). The voice
 * relay speaks that API, so the official SDKs reach it by changing only their base URL.
 */
final class WebSocketBearerTokens implements BearerTokenResolver {

    /** The subprotocol prefix the OpenAI SDKs use in browsers. */
    static final String SUBPROTOCOL_PREFIX = "openai-insecure-api-key.";

    private final DefaultBearerTokenResolver headers = new DefaultBearerTokenResolver();

    @Override
    public String resolve(HttpServletRequest request) {
        String token = headers.resolve(request);
        if (token != null || !"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
            return token;
        }
        for (String header : Collections.list(request.getHeaders("Sec-WebSocket-Protocol"))) {
            for (String protocol : header.split(",")) {
                String p = protocol.strip();
                if (p.startsWith(SUBPROTOCOL_PREFIX) && p.length() > SUBPROTOCOL_PREFIX.length()) {
                    return p.substring(SUBPROTOCOL_PREFIX.length());
                }
            }
        }
        return null;
    }
}
