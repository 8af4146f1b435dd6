package app.donna.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.schemas.Topics;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The topics every service creates (and brings existing ones in line with) at start-up. */
class CatalogTopicsTest {

    final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, DonnaKafkaAutoConfiguration.class))
            .withPropertyValues("donna.kafka.create-topics=false", "spring.kafka.bootstrap-servers=127.0.0.1:9");

    @Test
    void rawChatInputIsKeptSevenDaysByDefaultAndScreenedCopiesForever() {
        context.run(app -> {
            assertThat(config(app.getBean(KafkaSettings.class), Topics.CHAT_INBOUND.name()))
                    .containsEntry("retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
            assertThat(config(app.getBean(KafkaSettings.class), Topics.CHAT_SCREENED.name()))
                    .containsEntry("retention.ms", "-1");
        });
    }

    @Test
    void theRetentionOfRawChatInputIsConfigurable() {
        context.withPropertyValues("donna.kafka.chat-inbound-retention=36h")
                .run(app -> assertThat(config(app.getBean(KafkaSettings.class), Topics.CHAT_INBOUND.name()))
                        .containsEntry("retention.ms", String.valueOf(36L * 3600 * 1000)));
    }

    @Test
    void replyFragmentsAreKeptADayByDefaultAndThatIsConfigurable() {
        context.run(app -> assertThat(config(app.getBean(KafkaSettings.class), Topics.CHAT_REPLY_FRAGMENTS.name()))
                .containsEntry("retention.ms", String.valueOf(24L * 3600 * 1000)));
        context.withPropertyValues("donna.kafka.chat-fragments-retention=6h")
                .run(app -> assertThat(config(app.getBean(KafkaSettings.class), Topics.CHAT_REPLY_FRAGMENTS.name()))
                        .containsEntry("retention.ms", String.valueOf(6L * 3600 * 1000)));
        context.run(app -> assertThat(config(app.getBean(KafkaSettings.class), Topics.CHAT_REPLIES.name()))
                .containsEntry("retention.ms", "-1"));
    }

    private static Map<String, String> config(KafkaSettings settings, String name) {
        return DonnaKafkaAutoConfiguration.catalog(settings).stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow()
                .configs();
    }
}
