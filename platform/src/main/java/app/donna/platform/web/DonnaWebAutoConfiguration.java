package app.donna.platform.web;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.type.LogicalType;

/**
 * The HTTP edge every service shares: problem responses, a request body limit and the CORS allowlist
 * (used by the security filter chain).
 */
@AutoConfiguration(before = ErrorMvcAutoConfiguration.class) // so Boot's BasicErrorController backs off
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(WebSettings.class)
public class DonnaWebAutoConfiguration {

    @Bean
    ProblemResponses problemResponses(WebSettings settings) {
        return new ProblemResponses(settings.maxBodySize().toBytes());
    }

    /** Replaces Boot's {@code BasicErrorController}, whose JSON is not a problem document. */
    @Bean
    ProblemErrorController problemErrorController() {
        return new ProblemErrorController();
    }

    /**
     * Request bodies are read strictly: a number where text is expected (or the reverse) is a 400, not a
     * silent conversion; unknown properties are refused by a property default.
     */
    @Bean
    JsonMapperBuilderCustomizer strictJsonCoercion() {
        return builder -> builder.withCoercionConfig(LogicalType.Textual, c -> {
                    c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
                    c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
                    c.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
                })
                .withCoercionConfig(LogicalType.Integer, c -> {
                    c.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
                    c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
                })
                .withCoercionConfig(LogicalType.Boolean, c -> {
                    c.setCoercion(CoercionInputShape.String, CoercionAction.Fail);
                    c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
                });
    }

    @Bean
    FilterRegistrationBean<BodySizeLimitFilter> bodySizeLimitFilter(WebSettings settings) {
        var registration = new FilterRegistrationBean<>(
                new BodySizeLimitFilter(settings.maxBodySize().toBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    /** Tomcat's own refusals as problem documents too ({@link ProblemReportValve}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.apache.catalina.startup.Tomcat")
    static class TomcatProblems {
        @Bean
        WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> problemReportValve() {
            return factory -> factory.addContextCustomizers(ProblemReportValve::install);
        }
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
        cors.setAllowedHeaders(
                List.of("Authorization", "Content-Type", "Last-Event-ID", "traceparent", "Idempotency-Key"));
        cors.setExposedHeaders(List.of("Location", "Retry-After", "traceparent"));
        cors.setAllowCredentials(true);
        cors.setMaxAge(Duration.ofMinutes(10));
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/**", cors);
        return source;
    }
}
