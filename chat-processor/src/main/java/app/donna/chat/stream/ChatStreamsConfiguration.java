package app.donna.chat.stream;

import app.donna.chat.openai.OpenAiLlmClient;
import app.donna.chat.reply.CircuitBreaker;
import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.ReplyComposer;
import app.donna.chat.reply.ReplyMetrics;
import app.donna.platform.kafka.EagerCommits;
import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.kafka.KafkaStreamsDefaults;
import app.donna.platform.observability.RecordTracing;
import app.donna.platform.workspace.WorkspaceDirectory;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedRetryMetrics;
import io.github.resilience4j.retry.RetryRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.EnableKafkaStreams;
import org.springframework.kafka.annotation.KafkaStreamsDefaultConfiguration;
import org.springframework.kafka.config.KafkaStreamsConfiguration;
import org.springframework.kafka.config.KafkaStreamsInfrastructureCustomizer;

/**
 * Wires the reply topology: the model client (if configured), the composer, the delta sink, and the service's
 * one Kafka Streams application, run by Spring for Apache Kafka with what the platform adds to every stream
 * processor (dead letters, commit pacing, health, metrics).
 */
@Configuration(proxyBeanMethods = false)
@EnableKafkaStreams
class ChatStreamsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ChatStreamsConfiguration.class);

    @Bean(destroyMethod = "close")
    KafkaDeltaSink deltaSink(KafkaClientProperties kafka, RecordTracing tracing) {
        return new KafkaDeltaSink(kafka.producer(), tracing);
    }

    /**
     * Resilience4j's registry of the model's circuit breaker, with its Micrometer metrics
     * ({@code resilience4j.circuitbreaker.state}, {@code .calls}, {@code .failure.rate}, tag
     * {@code name=llm}) when the service has a meter registry.
     */
    @Bean
    CircuitBreakerRegistry modelCircuitBreakers(
            ChatSettings settings, Clock clock, ObjectProvider<MeterRegistry> meters) {
        ChatSettings.Llm llm = settings.llm();
        CircuitBreakerRegistry registry =
                CircuitBreakerRegistry.of(CircuitBreaker.config(llm.breakerFailures(), llm.breakerOpenFor(), clock));
        meters.ifAvailable(m ->
                TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(m));
        return registry;
    }

    /**
     * Resilience4j's registry of the model's retry ({@link OpenAiLlmClient#retryConfig}), with its Micrometer
     * metrics ({@code resilience4j.retry.calls}, tag {@code kind}: successful or failed, with or without a
     * retry; {@code name=llm}).
     */
    @Bean
    RetryRegistry modelRetries(ChatSettings settings, ObjectProvider<MeterRegistry> meters) {
        RetryRegistry registry =
                RetryRegistry.of(OpenAiLlmClient.retryConfig(settings.llm().maxRetries()));
        meters.ifAvailable(m -> TaggedRetryMetrics.ofRetryRegistry(registry).bindTo(m));
        return registry;
    }

    /** Each workspace's persona, read from {@code donna.workspace}; the configured one until a workspace sets its own. */
    @Bean
    WorkspaceDirectory workspaceDirectory(
            KafkaClientProperties clients,
            ChatSettings settings,
            @Value("${donna.workspace.default-id:default}") String defaultWorkspace) {
        return new WorkspaceDirectory(clients, settings.persona().persona(), defaultWorkspace, Duration.ofSeconds(30));
    }

    @Bean
    ReplyComposer replyComposer(
            WorkspaceDirectory workspaces,
            ChatSettings settings,
            Clock clock,
            CircuitBreakerRegistry modelCircuitBreakers,
            RetryRegistry modelRetries,
            ObjectProvider<MeterRegistry> meters) {
        ChatSettings.Llm llm = settings.llm();
        Optional<LlmClient> client = Optional.empty();
        if (llm.configured()) {
            client = Optional.of(new OpenAiLlmClient(
                    llm.baseUrl(),
                    llm.apiKey(),
                    llm.model(),
                    llm.timeout(),
                    modelRetries.retry(OpenAiLlmClient.RETRY),
                    llm.maxOutputTokens(),
                    llm.maxConcurrentCalls()));
            log.info("Chat replies from {} at {}", llm.model(), llm.baseUrl());
        } else {
            log.warn("No OpenAI API key (OPENAI_API_KEY): every chat reply comes from the offline responder, degraded");
        }
        return new ReplyComposer(
                workspaces::persona,
                client,
                new CircuitBreaker(modelCircuitBreakers, llm.breakerOpenFor(), clock),
                clock,
                new ReplyMetrics(meters.getIfAvailable(CompositeMeterRegistry::new)),
                workspaces.budgets(clock));
    }

    /**
     * Where model calls run: a model takes seconds to answer, so calls are made here, not on the stream
     * threads, at most {@code llm.max-concurrent-calls} at once (the rest queue). Platform threads, because
     * the HTTP client blocks inside synchronized code, which would pin virtual threads on Java 21.
     */
    @Bean(destroyMethod = "shutdownNow")
    ExecutorService modelCalls(ChatSettings settings) {
        int max = settings.llm().maxConcurrentCalls();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                max,
                max,
                60,
                TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("chat-model-call-", 0).daemon().factory());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** The answers the reply tasks have under way, for health. */
    @Bean
    UnansweredMessages unansweredMessages() {
        return new UnansweredMessages();
    }

    /** Named so the health component reads "chatAnswers": DOWN while a task has stopped answering. */
    @Bean
    UnansweredHealthIndicator chatAnswers(UnansweredMessages unanswered, ChatSettings settings, Clock clock) {
        return new UnansweredHealthIndicator(unanswered, settings.stalledAfter(), clock);
    }

    /** The settings of the service's one Kafka Streams application: the platform's, with its own on top. */
    @Bean(KafkaStreamsDefaultConfiguration.DEFAULT_STREAMS_CONFIG_BEAN_NAME)
    KafkaStreamsConfiguration chatStreamsConfig(KafkaStreamsDefaults defaults, ChatSettings settings) {
        Map<String, Object> props = defaults.forApplication(settings.applicationId(), settings.stateDirectory());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
        // Finished answers are picked up between polls: an idle thread must not sleep in poll for longer
        // than an answer should wait.
        props.put(
                StreamsConfig.POLL_MS_CONFIG,
                Math.min(settings.completionCheck().toMillis(), (long) props.get(StreamsConfig.POLL_MS_CONFIG)));
        return new KafkaStreamsConfiguration(props);
    }

    /** The reply topology, put on the application's {@link StreamsBuilder} before Spring Kafka builds it. */
    @Bean
    KafkaStreamsInfrastructureCustomizer replyTopology(
            ChatSettings settings,
            ReplyComposer composer,
            KafkaDeltaSink deltas,
            ExecutorService modelCalls,
            EagerCommits commits,
            Clock clock,
            UnansweredMessages unanswered,
            RecordTracing tracing) {
        ReplyProcessor.ChatSettingsView view = new ReplyProcessor.ChatSettingsView(
                settings.maxContextTurns(),
                settings.rememberedMessageIds(),
                settings.completionCheck(),
                new ReplyProcessor.Deadlines(
                        settings.llm().slowNotice(),
                        settings.llm().firstTokenTimeout(),
                        settings.llm().answerTimeout()),
                settings.fragmentInterval());
        return new KafkaStreamsInfrastructureCustomizer() {
            @Override
            public void configureBuilder(StreamsBuilder builder) {
                ReplyTopology.define(builder, composer, deltas, modelCalls, commits, view, clock, unanswered, tracing);
            }
        };
    }
}
