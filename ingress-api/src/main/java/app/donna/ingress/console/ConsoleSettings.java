package app.donna.ingress.console;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The web console at {@code /console} ({@code donna.console}): how it signs people in at the configured
 * OpenID issuer, and where it places voice calls.
 *
 * @param clientId      the console's client id at the issuer: a public client (no secret) allowed the
 *                      authorization code flow with PKCE and the redirect URI {@code <this API>/console/};
 *                      blank: the console offers no sign-in, only visitor chat
 * @param scope         the scopes it asks for
 * @param voiceRelayUrl the voice relay's WebSocket base, e.g. {@code wss://voice.example.com}; blank: no
 *                      voice button
 */
@ConfigurationProperties("donna.console")
public record ConsoleSettings(
        @DefaultValue("") String clientId,
        @DefaultValue("openid") String scope,
        @DefaultValue("") String voiceRelayUrl) {}
