package app.donna.ingress.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.ingress.voice.RealtimeSecrets;
import app.donna.ingress.voice.VoiceSettings;
import app.donna.platform.persona.Persona;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Minting without a network: offline without a key, and the lifetime asked of OpenAI. */
class OpenAiRealtimeSecretsTest {

    static final Persona ADA = new Persona("Salon Ada", "9 to 5", List.of("haircuts"), "warm", "");

    static VoiceSettings settings(String apiKey) {
        return new VoiceSettings(
                apiKey,
                "http://127.0.0.1:9/v1",
                "gpt-realtime",
                "alloy",
                false,
                "gpt-4o-mini-transcribe",
                Duration.ofMinutes(5),
                Duration.ofSeconds(2),
                5,
                10,
                2,
                2,
                60,
                120,
                8000,
                true,
                true,
                Duration.ofSeconds(10),
                Duration.ofHours(1));
    }

    @Test
    void withoutAKeyVoiceSaysItIsOffline() {
        OpenAiRealtimeSecrets secrets = new OpenAiRealtimeSecrets(settings(""));

        assertThatThrownBy(() -> secrets.mint(Duration.ofMinutes(1), ADA))
                .isInstanceOfSatisfying(
                        RealtimeSecrets.NotMinted.class,
                        e -> assertThat(e.reason()).isEqualTo(RealtimeSecrets.NotMinted.Reason.OFFLINE))
                .hasMessageContaining("no OpenAI API key");
    }

    @Test
    void theSessionIsPinnedWithTheLifetimeAskedAndNoTurnDetectionWhenServerVadIsOff() {
        OpenAiRealtimeSecrets secrets = new OpenAiRealtimeSecrets(settings("sk-test"));
        try {
            var params = secrets.params(Duration.ofSeconds(90), ADA);

            assertThat(params.expiresAfter().orElseThrow().seconds()).contains(90L);
            var session = params.session().orElseThrow().asRealtime();
            assertThat(session.instructions())
                    .hasValueSatisfying(i -> assertThat(i).contains("Salon Ada"));
            assertThat(session.audio().orElseThrow().input().orElseThrow().turnDetection())
                    .isEmpty();
        } finally {
            secrets.destroy();
        }
    }
}
