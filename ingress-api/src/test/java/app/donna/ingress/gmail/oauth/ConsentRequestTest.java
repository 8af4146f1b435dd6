package app.donna.ingress.gmail.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConsentRequestTest {

    @Test
    void theS256ChallengeIsRfc7636s() {
        // RFC 7636, appendix B
        assertThat(Pkce.challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
                .isEqualTo("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    @Test
    void verifiersAreLongEnoughUnreservedAndNeverRepeatedNorShown() {
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            Pkce pkce = Pkce.create(random);
            assertThat(pkce.verifier()).hasSize(43).matches("[A-Za-z0-9_-]+");
            assertThat(pkce.challenge()).isEqualTo(Pkce.challengeOf(pkce.verifier()));
            assertThat(pkce.toString()).doesNotContain(pkce.verifier());
            assertThat(seen.add(pkce.verifier())).isTrue();
        }
        assertThat(Pkce.hashOf("a state")).hasSize(64).matches("[0-9a-f]+");
    }

    @Test
    void theConsentPageIsAskedForOfflineAccessWithPkceAndOnlyTheScopesGiven() {
        Pkce pkce = new Pkce("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", null);
        URI uri = new ConsentRequest(
                        URI.create("https://accounts.google.com/o/oauth2/v2/auth"),
                        "client-1.apps.googleusercontent.com",
                        URI.create("https://donna.example/api/gmail/oauth/callback"),
                        List.of(
                                "https://www.googleapis.com/auth/gmail.readonly",
                                "https://www.googleapis.com/auth/gmail.compose"),
                        "st&te=1",
                        pkce)
                .uri();

        assertThat(uri.getHost()).isEqualTo("accounts.google.com");
        Map<String, String> query = Arrays.stream(uri.getRawQuery().split("&"))
                .map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
        assertThat(query)
                .containsEntry("response_type", "code")
                .containsEntry("client_id", "client-1.apps.googleusercontent.com")
                .containsEntry("redirect_uri", "https://donna.example/api/gmail/oauth/callback")
                .containsEntry(
                        "scope",
                        "https://www.googleapis.com/auth/gmail.readonly https://www.googleapis.com/auth/gmail.compose")
                .containsEntry("state", "st&te=1")
                .containsEntry("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
                .containsEntry("code_challenge_method", "S256")
                .containsEntry("access_type", "offline")
                .containsEntry("prompt", "consent")
                .doesNotContainKey("code_verifier");
        assertThat(uri.toString()).doesNotContain(pkce.verifier());
    }
}
