package app.donna.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.schemas.Topics;
import app.donna.testing.InfraExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The broker's log sizes by topic, as the chat bench reports them per message. */
@ExtendWith(InfraExtension.class)
class LogBytesTest {

    @Test
    void whatMessagesAddToACatalogTopicIsReportedPerMessage(InfraExtension.KafkaBootstrap kafka) throws Exception {
        String topic = Topics.CHAT_REPLY_FRAGMENTS.name();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.servers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(TopicExistsException.class);
        }
        LogBytes before = LogBytes.take(kafka.servers());
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", kafka.servers(), "linger.ms", 0),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, new byte[1_000])).get(10, TimeUnit.SECONDS);
            }
        }
        LogBytes after = LogBytes.take(kafka.servers());

        long grown = after.byTopic().get(topic) - before.byTopic().getOrDefault(topic, 0L);
        assertThat(grown)
                .as("ten records of 1,000 bytes, with their batch headers")
                .isBetween(10_000L, 11_500L);
        assertThat(after.perMessage(before, 10)).contains(topic + " 1,0").contains("; total 1,0");
    }
}
