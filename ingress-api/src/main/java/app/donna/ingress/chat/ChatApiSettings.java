package app.donna.ingress.chat;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Chat API settings ({@code donna.chat.*}).
 *
 * @param publishTimeout  how long a POST waits for the broker to acknowledge the event
 * @param maxMessageChars longest message text accepted
 * @param defaultPageSize history page size when the caller names none
 * @param visitorSessionsBurst     anonymous sessions one client address may open at once
 * @param visitorSessionsPerMinute anonymous sessions one client address regains per minute
 * @param streamHeartbeat          how often an idle reply stream sends a keep-alive comment
 * @param streamTimeout            how long one reply stream stays open before the client must reconnect
 * @param streamTicketLifetime     how long a browser's single-use stream ticket may wait to be used
 */
@Validated
@ConfigurationProperties("donna.chat")
public record ChatApiSettings(
        @DefaultValue("10s") Duration publishTimeout,
        @Min(1) @Max(100_000) @DefaultValue("4000") int maxMessageChars,
        @Min(1) @Max(200) @DefaultValue("50") int defaultPageSize,
        @Min(1) @DefaultValue("5") int visitorSessionsBurst,
        @Min(1) @DefaultValue("10") int visitorSessionsPerMinute,
        @DefaultValue("15s") Duration streamHeartbeat,
        @DefaultValue("30m") Duration streamTimeout,
        @DefaultValue("60s") Duration streamTicketLifetime) {}
