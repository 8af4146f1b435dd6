package app.donna.voice;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Relays realtime voice calls between callers and the OpenAI Realtime API ({@code relay}), pinning the
 * session, recording each call's trail and answering the receptionist's tools; what a caller may send and
 * ask for is decided in {@code session}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class VoiceRelayApplication {

    /** Name of this service's configuration file ({@code voice-relay.yml}); see IngressApplication. */
    public static final String CONFIG_NAME = "voice-relay";

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(VoiceRelayApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
