package app.donna.ingress.console;

import app.donna.platform.security.SecuritySettings;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The console's static files are in {@code static/console/} (plain HTML, CSS and JavaScript modules: no
 * build step); {@code /console} and {@code /console/} open its page. Its pages carry a Content Security
 * Policy: it keeps tokens in the tab's session storage, so no script but its own may run, and it may talk
 * only to this API, the issuer and the voice relay.
 */
@Configuration(proxyBeanMethods = false)
class ConsolePages implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/console", "/console/");
        registry.addViewController("/console/").setViewName("forward:/console/index.html");
    }

    @Bean
    FilterRegistrationBean<Filter> consoleContentSecurityPolicy(ConsoleSettings console, SecuritySettings security) {
        String policy = policy(security.jwt().issuerUri(), console.voiceRelayUrl());
        FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
            ((HttpServletResponse) response).setHeader("Content-Security-Policy", policy);
            chain.doFilter(request, response);
        });
        registration.addUrlPatterns("/console", "/console/*");
        registration.setName("consoleContentSecurityPolicy");
        return registration;
    }

    /** The policy: this origin's scripts and styles only; requests to here, the issuer and the relay. */
    static String policy(String issuer, String voiceRelay) {
        Set<String> connect = new LinkedHashSet<>();
        connect.add("'self'");
        Set<String> forms = new LinkedHashSet<>();
        forms.add("'self'");
        origin(issuer).ifPresent(o -> {
            connect.add(o);
            forms.add(o);
        });
        origin(voiceRelay).ifPresent(connect::add);
        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:;"
                + " connect-src " + String.join(" ", connect) + "; form-action " + String.join(" ", forms)
                + "; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
    }

    private static java.util.Optional<String> origin(String url) {
        if (url == null || url.isBlank()) {
            return java.util.Optional.empty();
        }
        try {
            URI uri = URI.create(url.strip());
            if (uri.getScheme() == null || uri.getHost() == null) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(
                    uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }
}
