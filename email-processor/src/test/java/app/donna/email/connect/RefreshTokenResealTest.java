package app.donna.email.connect;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.email.EmailProcessorApplication;
import app.donna.platform.crypto.SealedContexts;
import app.donna.platform.crypto.SealedSecrets;
import app.donna.testing.InfraExtension;
import app.donna.testing.SharedInfra;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A key rotation finished by email-processor on start: tokens an older key sealed are sealed again with
 * the current one and still open to the same token; a token no key opens is left for its user to
 * reconnect.
 */
@ExtendWith(InfraExtension.class)
class RefreshTokenResealTest {

    @Test
    void tokensSealedByAnOlderKeyAreSealedAgainWithTheCurrentOneOnStart(
            InfraExtension.KafkaBootstrap kafka, SharedInfra.Database database) throws Exception {
        String oldKey = "k0:" + SealedSecrets.newKey();
        String newKey = "k9:" + SealedSecrets.newKey();
        SealedSecrets before = SealedSecrets.fromConfig(oldKey);
        String run = UUID.randomUUID().toString();
        String rotated = "rotated-" + run;
        String lost = "lost-" + run;
        String token = "1//0refresh-" + run;
        try (ConfigurableApplicationContext app = EmailProcessorApplication.application()
                .run(
                        "--spring.kafka.bootstrap-servers=" + kafka.servers(),
                        "--server.port=0",
                        "--spring.flyway.enabled=true",
                        "--donna.gmail.group-id=reseal-" + run)) {
            // an earlier deployment's rows: one sealed with the old key, one with a key nobody has any more
            insert(database, rotated, before.seal(token, SealedContexts.gmailRefreshToken(rotated)));
            insert(
                    database,
                    lost,
                    SealedSecrets.fromConfig("k0:" + SealedSecrets.newKey())
                            .seal(token, SealedContexts.gmailRefreshToken(lost)));

            SealedSecrets after = SealedSecrets.fromConfig(newKey + "," + oldKey);
            int resealed = app.getBean(RefreshTokenReseal.class).reseal(after);

            assertThat(resealed).isGreaterThanOrEqualTo(1);
            String now = sealedOf(database, rotated);
            assertThat(now).startsWith("v1.k9.");
            assertThat(SealedSecrets.fromConfig(newKey).open(now, SealedContexts.gmailRefreshToken(rotated)))
                    .as("the old key can go now")
                    .isEqualTo(token);
            assertThat(sealedOf(database, lost))
                    .as("left for its user to reconnect")
                    .startsWith("v1.k0.");
        }
    }

    static void insert(SharedInfra.Database database, String user, String sealed) throws Exception {
        try (Connection c = database.connect();
                PreparedStatement q = c.prepareStatement("INSERT INTO gmail_connections (user_id, email_address, "
                        + "refresh_token_sealed, scopes, connected_at, job_id) VALUES (?, ?, ?, '', now(), ?)")) {
            q.setString(1, user);
            q.setString(2, user + "@example.com");
            q.setString(3, sealed);
            q.setObject(4, UUID.randomUUID());
            q.executeUpdate();
        }
    }

    static String sealedOf(SharedInfra.Database database, String user) throws Exception {
        return app.donna.email.EmailTestKit.refreshTokenSealed(database, user);
    }
}
