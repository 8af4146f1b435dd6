package app.donna.ingress;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Donna's public HTTP API. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class IngressApplication {

    /**
     * Name of this service's configuration file ({@code ingress-api.yml}): not {@code application.yml}, because
     * donna dev runs every service in one JVM, where same-named files would shadow each other.
     */
    public static final String CONFIG_NAME = "ingress-api";

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(IngressApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
