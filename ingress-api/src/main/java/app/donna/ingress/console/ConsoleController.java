package app.donna.ingress.console;

import app.donna.platform.security.SecuritySettings;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.util.List;
import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the web console needs to know before anyone signs in: the issuer to send people to (its endpoints
 * come from the issuer's own discovery document), the console's client id there, the audience its tokens
 * must name, and the voice relay. Nothing here is secret.
 */
@RestController
class ConsoleController {

    /** The console's settings, as the browser reads them. */
    record Config(String issuer, String clientId, String scope, String audience, String voiceRelayUrl) {}

    private final Config config;

    ConsoleController(ConsoleSettings console, SecuritySettings security) {
        List<String> audiences = security.jwt().audiences();
        this.config = new Config(
                security.jwt().issuerUri(),
                console.clientId(),
                console.scope(),
                audiences.isEmpty() ? "" : audiences.getFirst(),
                console.voiceRelayUrl());
    }

    @ApiResponse(responseCode = "200", description = "The console's sign-in and voice settings")
    @GetMapping("/api/console/config")
    ResponseEntity<Config> config() {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(config);
    }
}
