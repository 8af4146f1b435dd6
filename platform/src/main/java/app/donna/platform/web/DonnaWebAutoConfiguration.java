package app.donna.platform.web;

import java.time.Duration;
import java.util.List;

import app.donna.platform.observability.ErrorReporter;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * The HTTP edge every service shares: problem responses, a request body limit and the CORS allowlist
 * (used by the security filter chain).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(WebSettings.class)
public class DonnaWebAutoConfiguration {

    @Bean
    ProblemResponses problemResponses(ErrorReporter errorReporter) {
        return new ProblemResponses(errorReporter);
    }

    @Bean
    FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(WebSettings settings) {
        var registration = new FilterRegistrationBean<>(new BodySizeLimitFilter(settings.maxBodySize().toBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /**
     * Exact-origin allowlist. Credentials are allowed, and since Spring only answers listed origins (and
     * always adds {@code Vary: Origin}), an unlisted origin gets no CORS headers at all.
     */
    @Bean
    CorsConfigurationSource corsConfigurationSource(WebSettings settings) {
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOrigins(settings.allowedOrigins());
        cors.setAllowedMethods(List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"));
        cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Last-Event-ID", "traceparent",
                "Idempotency-Key"));
        cors.setExposedHeaders(List.of("Location", "Retry-After", "traceparent"));
        cors.setAllowCredentials(true);
        cors.setMaxAge(Duration.ofMinutes(10));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/**", cors);
        return source;
    }
}
