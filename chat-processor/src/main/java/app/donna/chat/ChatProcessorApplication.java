package app.donna.chat;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Answers screened chat messages and dispatches follow-up actions.
 *
 * <p>So far the service runs on the platform (Kafka connection and topics, health, metrics, security)
 * and does no processing of its own; its features come with their issues.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ChatProcessorApplication {

    /** Name of this service's configuration file ({@code chat-processor.yml}); see IngressApplication. */
    public static final String CONFIG_NAME = "chat-processor";

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(ChatProcessorApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
