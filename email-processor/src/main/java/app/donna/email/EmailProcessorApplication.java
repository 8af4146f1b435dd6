package app.donna.email;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Works users' Gmail inboxes: sync, drafts, sends and autopilot.
 *
 * <p>So far the service runs on the platform (Kafka connection and topics, health, metrics, security)
 * and does no processing of its own; its features come with their issues.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class EmailProcessorApplication {

    /** Name of this service's configuration file ({@code email-processor.yml}); see IngressApplication. */
    public static final String CONFIG_NAME = "email-processor";

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(EmailProcessorApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
