package app.donna.abuse.stream;

import app.donna.abuse.screening.BehaviourRules;
import app.donna.abuse.screening.Category;
import app.donna.abuse.screening.ContentRule;
import app.donna.abuse.screening.ContentScreen;
import app.donna.abuse.screening.Screening;
import app.donna.abuse.screening.SensitiveData;
import app.donna.abuse.screening.Severity;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The screening rules ({@code donna.abuse.*}); the content rules live in {@code abuse-detector.yml} and
 * can be changed there or overridden by any Spring property source, without code changes.
 *
 * @param rulesVersion       written on every verdict, so a flag can be traced to the rules that made it
 * @param blockAt            findings at least this severe block the message; lesser ones flag it
 * @param cardSeverity       severity of a payment card number in a message
 * @param credentialSeverity severity of an API key, token or private key in a message
 * @param rules              the content rules
 * @param behaviour          the behaviour-over-time rules
 * @param stateDir           where Kafka Streams keeps its local state
 * @param threads            stream threads per instance (at most the inbound topic's partitions); each
 *                           commits its own transactions, so more threads also mean more transactions
 */
@Validated
@ConfigurationProperties("donna.abuse")
public record AbuseSettings(
        @NotBlank @DefaultValue("1") String rulesVersion,
        @NotNull @DefaultValue("HIGH") Severity blockAt,
        @NotNull @DefaultValue("HIGH") Severity cardSeverity,
        @NotNull @DefaultValue("HIGH") Severity credentialSeverity,
        @Valid @DefaultValue List<Rule> rules,
        @Valid @NotNull @DefaultValue Behaviour behaviour,
        @DefaultValue("") String stateDir,
        @Min(1) @DefaultValue("1") int threads) {

    /** One content rule: any of its patterns (case-insensitive regular expressions) matching is a finding. */
    public record Rule(
            @NotBlank String id,
            @NotNull Category category,
            @NotNull Severity severity,
            @NotEmpty List<String> patterns) {}

    /** See {@link BehaviourRules.Settings}. */
    public record Behaviour(
            @DefaultValue("60s") Duration rateWindow,
            @Min(1) @DefaultValue("20") int maxMessages,
            @DefaultValue("10m") Duration repeatWindow,
            @Min(2) @DefaultValue("3") int maxRepeats,
            @DefaultValue("10m") Duration escalationWindow,
            @Min(1) @DefaultValue("3") int flagsToBlock,
            @DefaultValue("30s") Duration grace) {}

    public Screening screening() {
        List<ContentRule> contentRules = rules.stream()
                .map(r -> ContentRule.of(r.id(), r.category(), r.severity(), r.patterns()))
                .toList();
        BehaviourRules behaviourRules = new BehaviourRules(new BehaviourRules.Settings(
                behaviour.rateWindow(),
                behaviour.maxMessages(),
                behaviour.repeatWindow(),
                behaviour.maxRepeats(),
                behaviour.escalationWindow(),
                behaviour.flagsToBlock(),
                behaviour.grace()));
        return new Screening(
                new ContentScreen(contentRules, new SensitiveData(cardSeverity, credentialSeverity)),
                behaviourRules,
                blockAt);
    }

    public Path stateDirectory() {
        return stateDir.isBlank()
                ? Path.of(System.getProperty("java.io.tmpdir"), "donna-abuse-detector")
                : Path.of(stateDir);
    }
}
