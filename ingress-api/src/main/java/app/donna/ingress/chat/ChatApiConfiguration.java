package app.donna.ingress.chat;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wiring of the chat API beyond its components. */
@Configuration(proxyBeanMethods = false)
class ChatApiConfiguration {

    /**
     * While the broker is away, {@code send()} blocks for the topic's metadata for up to
     * {@code max.block.ms} (a minute by default): no longer than a POST may wait in all.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer blockNoLongerThanThePublishTimeout(ChatApiSettings settings) {
        return factory -> factory.updateConfigs(Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.publishTimeout().toMillis()));
    }
}
