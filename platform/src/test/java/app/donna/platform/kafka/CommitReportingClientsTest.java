package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class CommitReportingClientsTest {

    private final List<Long> reported = new ArrayList<>();
    private final MockProducer<byte[], byte[]> kafka =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final CommitReportingClients.CommitReportingProducer producer =
            new CommitReportingClients.CommitReportingProducer(kafka, reported::add);

    @Test
    void reportsACommittedTransactionAfterTheCommit() {
        long before = System.currentTimeMillis();
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>("t", 0, null, new byte[] {1}));

        producer.commitTransaction();

        assertThat(kafka.transactionCommitted()).isTrue();
        assertThat(kafka.history()).hasSize(1);
        assertThat(reported)
                .singleElement()
                .satisfies(at -> assertThat(at).isBetween(before, System.currentTimeMillis()));
    }

    @Test
    void reportsNothingWhenTheCommitFailsOrTheTransactionIsAborted() {
        producer.initTransactions();
        producer.beginTransaction();
        producer.abortTransaction();
        assertThat(kafka.transactionAborted()).isTrue();

        producer.beginTransaction();
        kafka.commitTransactionException = new KafkaException("broker gone");
        assertThatThrownBy(producer::commitTransaction).isInstanceOf(KafkaException.class);

        assertThat(reported).isEmpty();
    }
}
