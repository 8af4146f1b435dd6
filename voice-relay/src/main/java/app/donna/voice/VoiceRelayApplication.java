package app.donna.voice;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Relays realtime voice sessions between browsers and the OpenAI Realtime API.
 *
 * <p>So far the service runs on the platform (Kafka connection and topics, health, metrics, security)
 * and does no processing of its own; its features come with their issues.
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
