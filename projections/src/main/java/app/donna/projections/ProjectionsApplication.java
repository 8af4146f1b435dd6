package app.donna.projections;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Consumes Donna's topics into the PostgreSQL read models. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ProjectionsApplication {

    /**
     * Name of this service's configuration file ({@code projections.yml}): not {@code application.yml}, because
     * donna dev runs every service in one JVM, where same-named files would shadow each other.
     */
    public static final String CONFIG_NAME = "projections";

    public static void main(String[] args) {
        application().run(args);
    }

    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(ProjectionsApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
