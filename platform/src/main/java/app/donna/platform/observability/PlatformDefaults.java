package app.donna.platform.observability;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.ResourcePropertySource;

/**
 * Adds {@code donna-platform-defaults.properties} as the last property source, so every service gets
 * the same Kafka, HTTP, logging and metrics defaults and can still override any of them.
 */
public class PlatformDefaults implements EnvironmentPostProcessor {

    static final String NAME = "donnaPlatformDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(NAME)) {
            return;
        }
        try {
            environment
                    .getPropertySources()
                    .addLast(new ResourcePropertySource(
                            NAME, new ClassPathResource("donna-platform-defaults.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
