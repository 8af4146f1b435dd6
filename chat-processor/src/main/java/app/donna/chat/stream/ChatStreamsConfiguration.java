package app.donna.chat.stream;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;

import app.donna.chat.openai.OpenAiLlmClient;
import app.donna.chat.reply.CircuitBreaker;
import app.donna.chat.reply.LlmClient;
import app.donna.chat.reply.ReplyComposer;
import app.donna.platform.kafka.ManagedStreams;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the reply topology: the model client (if configured), the composer, the delta sink, the streams. */
@Configuration(proxyBeanMethods = false)
class ChatStreamsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ChatStreamsConfiguration.class);

    @Bean(destroyMethod = "close")
    KafkaDeltaSink deltaSink(KafkaProperties kafka) {
        return new KafkaDeltaSink(String.join(",", kafka.getBootstrapServers()));
    }

    @Bean
    ReplyComposer replyComposer(ChatSettings settings, Clock clock) {
        ChatSettings.Llm llm = settings.llm();
        Optional<LlmClient> client = Optional.empty();
        if (llm.configured()) {
            client = Optional.of(new OpenAiLlmClient(llm.baseUrl(), llm.apiKey(), llm.model(), llm.timeout(),
                    llm.maxRetries(), llm.maxOutputTokens()));
            log.info("Chat replies from {} at {}", llm.model(), llm.baseUrl());
        } else {
            log.warn("No OpenAI API key (OPENAI_API_KEY): every chat reply comes from the offline responder, degraded");
        }
        return new ReplyComposer(settings.persona().persona(), client,
                new CircuitBreaker(llm.breakerFailures(), llm.breakerOpenFor(), clock), clock);
    }

    /** Named so the health component reads "chatStreams". */
    @Bean
    ManagedStreams chatStreams(ChatSettings settings, ReplyComposer composer, KafkaDeltaSink deltas,
            KafkaProperties kafka, Clock clock, @Value("${donna.kafka.replication-factor:-1}") int replicationFactor,
            @Value("${donna.kafka.streams-commit-interval:100ms}") Duration commitInterval) {
        Properties props = ManagedStreams.defaults(settings.applicationId(),
                String.join(",", kafka.getBootstrapServers()), settings.stateDirectory(), replicationFactor, commitInterval);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.threads());
        // A model call takes seconds: poll few records, and allow time for all of them.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 20);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG),
                (int) Duration.ofMinutes(10).toMillis());
        return new ManagedStreams(ReplyTopology.build(composer, deltas, settings.maxContextTurns(),
                settings.rememberedMessageIds(), clock), props);
    }
}
