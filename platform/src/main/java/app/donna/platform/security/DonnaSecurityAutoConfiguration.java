package app.donna.platform.security;

import app.donna.platform.ratelimit.RateLimitFilter;
import app.donna.platform.ratelimit.RateLimitSettings;
import app.donna.platform.ratelimit.RateLimiter;
import app.donna.platform.ratelimit.RateLimiters;
import app.donna.platform.ratelimit.policy.RateLimitPolicy;
import app.donna.platform.web.Problems;
import app.donna.platform.workspace.WorkspaceIdentity;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.servlet.OAuth2ResourceServerAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Who may call a service: users with a valid access token from the configured OIDC issuer, systems with
 * the internal secret, and anyone for health, info and the paths a service lists as public. Adds the
 * per-IP and per-user rate limits and answers every refusal with a problem response.
 */
@AutoConfiguration(before = OAuth2ResourceServerAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties({SecuritySettings.class, RateLimitSettings.class, WorkspaceIdentity.class})
public class DonnaSecurityAutoConfiguration {

    /**
     * User tokens: the configured issuer's, its keys discovered over HTTP; or, when an issuer runs in this
     * process and publishes its keys as a {@link JWKSource} bean (as Spring Authorization Server does, and
     * {@code donna dev}'s issuer), checked against those keys with no round trip. The checks are the same.
     */
    @Bean
    @ConditionalOnMissingBean
    JwtDecoder jwtDecoder(SecuritySettings settings, ObjectProvider<JWKSource<SecurityContext>> inProcessIssuerKeys) {
        JWKSource<SecurityContext> keys = inProcessIssuerKeys.getIfUnique();
        return keys == null ? JwtDecoders.build(settings.jwt()) : JwtDecoders.forKeys(keys, settings.jwt());
    }

    /** Mints visitor tokens; present when {@code donna.security.anonymous.secret} is set. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnExpression("!'${donna.security.anonymous.secret:}'.isBlank()")
    AnonymousSessionTokens anonymousSessionTokens(SecuritySettings settings, Clock clock) {
        return new AnonymousSessionTokens(
                settings.anonymous().secret(), settings.anonymous().lifetime(), clock);
    }

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * Where the rate limits count: in the service's database when it has one, so that every instance of the
     * service counts a caller's calls together; in this instance's memory otherwise (or when
     * {@code donna.rate-limit.shared} is false).
     */
    @Bean
    @ConditionalOnMissingBean
    RateLimiters rateLimiters(
            RateLimitSettings limits,
            ObjectProvider<DataSource> dataSource,
            Clock clock,
            @Value("${spring.application.name:donna}") String service) {
        DataSource database = limits.shared() ? dataSource.getIfUnique() : null;
        return database == null ? RateLimiters.local(clock) : RateLimiters.shared(database, service, clock);
    }

    @Bean
    @ConditionalOnMissingBean(SecurityFilterChain.class)
    SecurityFilterChain donnaSecurityFilterChain(
            HttpSecurity http,
            SecuritySettings settings,
            RateLimitSettings limits,
            RateLimiters rateLimiters,
            JwtDecoder userTokens,
            ObjectProvider<AnonymousSessionTokens> anonymousTokens)
            throws Exception {
        http.csrf(AbstractHttpConfigurer::disable) // bearer tokens, no cookies: nothing to forge
                .cors(Customizer.withDefaults())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .authorizeHttpRequests(auth -> {
                    // The request was authorized when it came in; its async completion (server-sent events)
                    // and error dispatches need no second check.
                    auth.dispatcherTypeMatchers(
                                    jakarta.servlet.DispatcherType.ASYNC, jakarta.servlet.DispatcherType.ERROR)
                            .permitAll();
                    // Rules of Customizer<HttpSecurity> beans come before these: Spring Security applies them
                    // to HttpSecurity first (the dev issuer, where the cli runs one, opens /dev/** that way).
                    auth.requestMatchers(EndpointRequest.to("health", "info")).permitAll();
                    auth.requestMatchers("/error").permitAll();
                    for (String path : settings.publicPaths()) {
                        auth.requestMatchers(publicPath(path)).permitAll();
                    }
                    auth.requestMatchers(EndpointRequest.toAnyEndpoint()).hasRole(InternalSecretFilter.ROLE);
                    auth.requestMatchers("/internal/**").hasRole(InternalSecretFilter.ROLE);
                    for (String path : settings.internalPaths()) {
                        auth.requestMatchers(publicPath(path)).hasRole(InternalSecretFilter.ROLE);
                    }
                    // The public API acts for a person: a user's or visitor's token, never the internal secret.
                    auth.requestMatchers("/api/**")
                            .access((authentication, context) ->
                                    new AuthorizationDecision(authentication.get() instanceof JwtAuthenticationToken));
                    auth.anyRequest().authenticated();
                })
                .oauth2ResourceServer(rs -> rs.bearerTokenResolver(new WebSocketBearerTokens())
                        .authenticationManagerResolver(IssuerRouting.of(
                                userTokens,
                                Optional.ofNullable(anonymousTokens.getIfAvailable())
                                        .map(AnonymousSessionTokens::decoder)))
                        .authenticationEntryPoint(unauthorized())
                        .accessDeniedHandler(forbidden()))
                .exceptionHandling(
                        e -> e.authenticationEntryPoint(unauthorized()).accessDeniedHandler(forbidden()))
                .addFilterBefore(
                        new InternalSecretFilter(
                                settings.internalSecret(), rateLimiters.limiter(InternalSecretFilter.WRONG_SECRETS)),
                        BearerTokenAuthenticationFilter.class);
        if (limits.enabled()) {
            var perIp = rateLimiters.limiter(new RateLimitPolicy("ip", limits.perIpBurst(), limits.perIpPerMinute()));
            var perUser =
                    rateLimiters.limiter(new RateLimitPolicy("user", limits.perUserBurst(), limits.perUserPerMinute()));
            http.addFilterBefore(new PerIpRateLimit(perIp), BearerTokenAuthenticationFilter.class);
            http.addFilterAfter(new PerUserRateLimit(perUser), BearerTokenAuthenticationFilter.class);
        }
        return http.build();
    }

    // Spring Security orders filters by class, so each position needs a class of its own.
    static final class PerIpRateLimit extends RateLimitFilter {
        PerIpRateLimit(RateLimiter limiter) {
            super(limiter, DonnaSecurityAutoConfiguration::clientIp);
        }
    }

    static final class PerUserRateLimit extends RateLimitFilter {
        PerUserRateLimit(RateLimiter limiter) {
            super(limiter, request -> signedInUser());
        }
    }

    /** {@code /path/**}, or {@code METHOD /path} for one method only. */
    static org.springframework.security.web.util.matcher.RequestMatcher publicPath(String entry) {
        return PathRule.parse(entry).requestMatcher();
    }

    /** The caller's address; behind a proxy, set server.forward-headers-strategy so this is the client's. */
    private static String clientIp(HttpServletRequest request) {
        return request.getRemoteAddr();
    }

    private static String signedInUser() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return auth instanceof JwtAuthenticationToken jwt ? jwt.getName() : null;
    }

    private static AuthenticationEntryPoint unauthorized() {
        return (request, response, ex) -> {
            if (ex instanceof IssuerRouting.ProviderUnavailable) {
                response.setHeader("Retry-After", "5");
                Problems.write(
                        response,
                        Problems.of(
                                HttpStatus.SERVICE_UNAVAILABLE,
                                "identity-provider-unavailable",
                                "Service unavailable",
                                "Your token cannot be checked right now because the identity "
                                        + "provider is not answering. Please retry."));
                return;
            }
            response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            Problems.write(response, Problems.unauthorized(Problems.BAD_CREDENTIALS));
        };
    }

    private static AccessDeniedHandler forbidden() {
        return (request, response, ex) -> Problems.write(
                response, Problems.of(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "You may not do this."));
    }
}
