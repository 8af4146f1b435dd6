package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The ledger reads where a dead letter came from whoever wrote it: Spring's recoverer or our own headers. */
class DeadLetterLedgerTest {

    @Test
    void readsPartitionAndOffsetInSpringsBinaryForm() {
        ConsumerRecord<byte[], byte[]> dead = deadLetter();
        dead.headers()
                .add(
                        "kafka_dlt-original-partition",
                        ByteBuffer.allocate(4).putInt(5).array());
        dead.headers()
                .add(
                        "kafka_dlt-original-offset",
                        ByteBuffer.allocate(8).putLong(12_345_678L).array());

        assertThat(DeadLetterLedger.number(dead, "kafka_dlt-original-partition"))
                .isEqualTo(5L);
        assertThat(DeadLetterLedger.number(dead, "kafka_dlt-original-offset")).isEqualTo(12_345_678L);
    }

    @Test
    void readsPartitionAndOffsetAsText() {
        ConsumerRecord<byte[], byte[]> dead = deadLetter();
        dead.headers().add("kafka_dlt-original-partition", "5".getBytes(StandardCharsets.UTF_8));
        dead.headers().add("kafka_dlt-original-offset", "12345678".getBytes(StandardCharsets.UTF_8));

        assertThat(DeadLetterLedger.number(dead, "kafka_dlt-original-partition"))
                .isEqualTo(5L);
        assertThat(DeadLetterLedger.number(dead, "kafka_dlt-original-offset")).isEqualTo(12_345_678L);
    }

    @Test
    void aMissingHeaderIsNoNumber() {
        assertThat(DeadLetterLedger.number(deadLetter(), "kafka_dlt-original-offset"))
                .isNull();
    }

    private static ConsumerRecord<byte[], byte[]> deadLetter() {
        return new ConsumerRecord<>("donna.abuse.flags.DLT", 5, 0L, new byte[0], new byte[0]);
    }
}
