package app.donna.abuse;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Screens chat messages and voice transcripts for abuse.
 *
 * <p>So far the service runs on the platform (Kafka connection and topics, health, metrics, security)
 * and does no processing of its own; its features come with their issues.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AbuseDetectorApplication {

    /** Name of this service's configuration file ({@code abuse-detector.yml}); see IngressApplication. */
    public static final String CONFIG_NAME = "abuse-detector";

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(AbuseDetectorApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
