package app.donna.platform.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class WebSocketBearerTokensTest {

    private final WebSocketBearerTokens tokens = new WebSocketBearerTokens();

    @Test
    void aHandshakeMayCarryTheTokenAsTheSubprotocolBrowsersUse() {
        MockHttpServletRequest handshake = handshake();
        handshake.addHeader("Sec-WebSocket-Protocol", "realtime, openai-insecure-api-key.abc.def.ghi");

        assertThat(tokens.resolve(handshake)).isEqualTo("abc.def.ghi");
    }

    @Test
    void theAuthorizationHeaderStillComesFirst() {
        MockHttpServletRequest handshake = handshake();
        handshake.addHeader("Authorization", "Bearer from-header");
        handshake.addHeader("Sec-WebSocket-Protocol", "realtime, openai-insecure-api-key.from-protocol");

        assertThat(tokens.resolve(handshake)).isEqualTo("from-header");
    }

    @Test
    void anOrdinaryRequestCannotUseTheSubprotocolHeader() {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/api/chat/sessions");
        request.addHeader("Sec-WebSocket-Protocol", "openai-insecure-api-key.sneaky");

        assertThat(tokens.resolve(request)).isNull();
    }

    @Test
    void aHandshakeWithoutATokenHasNone() {
        MockHttpServletRequest handshake = handshake();
        handshake.addHeader("Sec-WebSocket-Protocol", "realtime, openai-insecure-api-key.");

        assertThat(tokens.resolve(handshake)).isNull();
    }

    private static MockHttpServletRequest handshake() {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/v1/realtime");
        request.addHeader("Upgrade", "websocket");
        request.addHeader("Connection", "Upgrade");
        return request;
    }
}
