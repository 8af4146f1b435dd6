package app.donna.projections;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Consumes Donna's topics into the PostgreSQL read models. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ProjectionsApplication {

    public static void main(String[] args) {
        SpringApplication.run(ProjectionsApplication.class, args);
    }
}
