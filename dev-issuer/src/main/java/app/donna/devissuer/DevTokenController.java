package app.donna.devissuer;

import jakarta.validation.constraints.Pattern;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The dev issuer's endpoints: a token for a dev user, the JWK set, and OIDC discovery. */
@RestController
@Validated
class DevTokenController {

    private final DevTokenIssuer issuer;

    DevTokenController(DevTokenIssuer issuer) {
        this.issuer = issuer;
    }

    @GetMapping("/dev/token")
    Map<String, Object> token(
            @RequestParam(defaultValue = "dev-user") @Pattern(regexp = "[A-Za-z0-9_.@:-]{1,128}") String sub) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", issuer.mint(sub));
        body.put("token_type", "Bearer");
        body.put("expires_in", issuer.lifetime().toSeconds());
        return body;
    }

    @GetMapping("/dev/jwks.json")
    Map<String, Object> jwks() {
        return issuer.jwks();
    }

    @GetMapping("/dev/.well-known/openid-configuration")
    Map<String, Object> discovery() {
        return Map.of(
                "issuer", issuer.issuer(),
                "jwks_uri", issuer.issuer() + "/jwks.json",
                "authorization_endpoint", issuer.issuer() + "/authorize",
                "token_endpoint", issuer.issuer() + "/oauth/token",
                "id_token_signing_alg_values_supported", new String[] {"RS256"},
                "subject_types_supported", new String[] {"public"},
                "response_types_supported", new String[] {"code"},
                "grant_types_supported", new String[] {"authorization_code"},
                "code_challenge_methods_supported", new String[] {"S256"},
                "token_endpoint_auth_methods_supported", new String[] {"none"});
    }
}
