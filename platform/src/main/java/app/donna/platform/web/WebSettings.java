package app.donna.platform.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * HTTP edge settings ({@code donna.web.*}).
 *
 * @param maxBodySize    largest request body accepted
 * @param allowedOrigins browser origins allowed by CORS, compared exactly (scheme, host and port)
 */
@Validated
@ConfigurationProperties("donna.web")
public record WebSettings(
        @DefaultValue("64KB") DataSize maxBodySize,
        @DefaultValue List<String> allowedOrigins) {}
