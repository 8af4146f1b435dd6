package app.donna.projections.engine;

import app.donna.platform.kafka.DeadLetterLedger;
import app.donna.platform.kafka.DeduplicatedDeadLetters;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.observability.RecordTracing;
import app.donna.projections.abuse.AbuseFlagProjection;
import app.donna.projections.actions.ActionProjection;
import app.donna.projections.audit.AuditAnchors;
import app.donna.projections.audit.AuditProjection;
import app.donna.projections.budget.BudgetKeeper;
import app.donna.projections.budget.BudgetSettings;
import app.donna.projections.chat.ChatProjection;
import app.donna.projections.dashboards.DashboardProjection;
import app.donna.projections.email.AutopilotProjection;
import app.donna.projections.email.GmailInboxProjection;
import app.donna.projections.email.GmailMailboxProjection;
import app.donna.projections.voice.VoiceProjection;
import app.donna.projections.workspace.WorkspaceProjection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;
import org.jooq.DSLContext;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Runs every projection in this process, each in its own batch listener container, after Flyway has
 * migrated; their dead letters go through the platform's {@code DeadLetterPublishingRecoverer}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "donna.projections.enabled", matchIfMissing = true)
class ProjectorsConfiguration {

    @Bean
    ChatProjection chatProjection() {
        return new ChatProjection();
    }

    @Bean
    AbuseFlagProjection abuseFlagProjection() {
        return new AbuseFlagProjection();
    }

    @Bean
    VoiceProjection voiceProjection() {
        return new VoiceProjection();
    }

    @Bean
    ActionProjection actionProjection() {
        return new ActionProjection();
    }

    @Bean
    GmailMailboxProjection gmailMailboxProjection() {
        return new GmailMailboxProjection();
    }

    @Bean
    GmailInboxProjection gmailInboxProjection() {
        return new GmailInboxProjection();
    }

    @Bean
    AutopilotProjection autopilotProjection() {
        return new AutopilotProjection();
    }

    @Bean
    DashboardProjection dashboardProjection() {
        return new DashboardProjection();
    }

    @Bean
    WorkspaceProjection workspaceProjection() {
        return new WorkspaceProjection();
    }

    @Bean
    AuditProjection auditProjection() {
        return new AuditProjection();
    }

    /** Counts the day's tokens and says which budgets are spent (ADR 13). */
    @Bean
    Periodic budgetKeeper(
            DSLContext db, KafkaTemplate<String, SpecificRecordBase> kafka, BudgetSettings settings, Clock clock) {
        BudgetKeeper keeper = new BudgetKeeper(db, kafka, settings, clock);
        return new Periodic("budget keeper", settings.checkInterval(), keeper::check);
    }

    /** Puts the audit chain's head on donna.ops.audit, when it has moved. */
    @Bean
    Periodic auditAnchors(
            DSLContext db,
            KafkaTemplate<String, SpecificRecordBase> kafka,
            Clock clock,
            @Value("${donna.audit.anchor-interval:1m}") Duration every) {
        AuditAnchors anchors = new AuditAnchors(db, kafka, clock);
        return new Periodic("audit anchors", every, anchors::anchor);
    }

    /** The platform's dead-letter recoverer, writing a record only if it is not on the DLT already. */
    @Bean
    DeduplicatedDeadLetters projectorDeadLetters(DeadLetterPublishingRecoverer recoverer, KafkaClientProperties kafka) {
        return new DeduplicatedDeadLetters(recoverer, new DeadLetterLedger(kafka.consumer()));
    }

    @Bean
    Projectors projectors(
            List<Projection> projections,
            DSLContext db,
            DeduplicatedDeadLetters deadLetters,
            ProjectorSettings settings,
            KafkaClientProperties kafka,
            Clock clock,
            RecordTracing tracing,
            ObjectProvider<MeterRegistry> meters) {
        MeterRegistry registry = meters.getIfAvailable(CompositeMeterRegistry::new);
        return new Projectors(projections.stream()
                .map(p -> new BatchProjector(p, db, deadLetters, settings, kafka.consumer(), clock, tracing, registry))
                .toList());
    }

    @Bean
    HealthIndicator projectorsHealthIndicator(Projectors projectors) {
        return () -> {
            boolean up = projectors.all().stream().allMatch(BatchProjector::isRunning);
            Health.Builder health = up ? Health.up() : Health.down();
            return health.withDetail(
                            "running",
                            projectors.all().stream()
                                    .filter(BatchProjector::isRunning)
                                    .count())
                    .withDetail("projectors", projectors.all().size())
                    .build();
        };
    }

    /** Starts the projectors with the application and stops them (finishing the current batch) with it. */
    static final class Projectors implements SmartLifecycle {
        private final List<BatchProjector> projectors;
        private volatile boolean running;

        Projectors(List<BatchProjector> projectors) {
            this.projectors = projectors;
        }

        List<BatchProjector> all() {
            return projectors;
        }

        @Override
        public void start() {
            projectors.forEach(BatchProjector::start);
            running = true;
        }

        @Override
        public void stop() {
            projectors.forEach(BatchProjector::close);
            running = false;
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }
}
