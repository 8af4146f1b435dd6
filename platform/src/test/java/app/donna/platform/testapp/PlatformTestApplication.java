package app.donna.platform.testapp;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** A minimal service on the platform, to test what every service inherits. */
@SpringBootApplication
public class PlatformTestApplication {

    public record Greeting(
            @NotBlank String text, @NotNull @Min(1) @Max(10) Integer times) {}

    @RestController
    static class Api {
        @PostMapping("/api/greetings")
        @ResponseStatus(HttpStatus.ACCEPTED)
        Map<String, Object> greet(@Valid @RequestBody Greeting greeting, @AuthenticationPrincipal Jwt jwt) {
            return Map.of("user", jwt.getSubject(), "text", greeting.text().repeat(greeting.times()));
        }

        @GetMapping("/api/boom")
        String boom() {
            throw new IllegalStateException("secret internal detail com.example.Hidden");
        }

        @GetMapping("/api/pages")
        Map<String, Object> pages(@RequestParam(required = false) @Min(1) @Max(200) Integer limit) {
            return Map.of("limit", limit == null ? 20 : limit);
        }

        @GetMapping("/api/database-down")
        String databaseDown() throws java.sql.SQLException {
            throw new java.sql.SQLTransientConnectionException("HikariPool-1 - Connection is not available");
        }

        @GetMapping("/internal/ping")
        String ping() {
            return "pong";
        }
    }

    /** Records what the listener managed to process, for the dead-letter test. */
    @Bean
    BlockingQueue<SpecificRecordBase> processed() {
        return new LinkedBlockingQueue<>();
    }

    @RestController
    static class Listener {
        private final BlockingQueue<SpecificRecordBase> processed;

        Listener(BlockingQueue<SpecificRecordBase> processed) {
            this.processed = processed;
        }

        @KafkaListener(
                topics = "donna.chat.inbound",
                groupId = "platform-test-listener",
                autoStartup = "${platform-test.listener:false}")
        void onMessage(ConsumerRecord<String, SpecificRecordBase> record) {
            if (record.value().toString().contains("fail-processing")) {
                throw new IllegalStateException("processing failed on purpose");
            }
            processed.add(record.value());
        }
    }
}
