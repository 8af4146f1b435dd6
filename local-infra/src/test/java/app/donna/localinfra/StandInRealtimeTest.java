package app.donna.localinfra;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The stand-in speaks the Realtime protocol to a plain WebSocket client, and checks the key. */
class StandInRealtimeTest {

    @Test
    void itGreetsHearsAudioAsTextAndAnswersWithAudioAndATranscript() throws Exception {
        try (StandInRealtime model = new StandInRealtime("sk-right").answering("Hi there")) {
            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            WebSocket socket = connect(model, "sk-right", events);
            assertThat(events.poll(5, TimeUnit.SECONDS)).contains("\"session.created\"");

            socket.sendText(
                            "{\"type\":\"session.update\",\"session\":{\"audio\":{\"input\":{\"turn_detection\":{\"type\":\"server_vad\"}}}}}",
                            true)
                    .join();
            assertThat(events.poll(5, TimeUnit.SECONDS)).contains("\"session.updated\"");
            String audio = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
            socket.sendText("{\"type\":\"input_audio_buffer.append\",\"audio\":\"" + audio + "\"}", true)
                    .join();
            socket.sendText("{\"type\":\"input_audio_buffer.commit\"}", true).join();

            StringBuilder all = new StringBuilder();
            for (String e = events.poll(5, TimeUnit.SECONDS); e != null; e = events.poll(1, TimeUnit.SECONDS)) {
                all.append(e).append('\n');
                if (e.contains("\"response.done\"")) {
                    break;
                }
            }
            assertThat(all.toString())
                    .contains("\"transcript\":\"hello\"")
                    .contains("\"transcript\":\"Hi there\"")
                    .contains("\"response.done\"");
            assertThat(model.received("input_audio_buffer.commit")).hasSize(1);
        }
    }

    @Test
    void aWrongKeyIsRefused() throws Exception {
        try (StandInRealtime model = new StandInRealtime("sk-right")) {
            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            connect(model, "sk-wrong", events);
            assertThat(events.poll(5, TimeUnit.SECONDS)).contains("invalid_api_key");
            assertThat(model.connectionsAccepted()).isZero();
        }
    }

    private static WebSocket connect(StandInRealtime model, String key, LinkedBlockingQueue<String> events) {
        return HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + key)
                .buildAsync(URI.create(model.realtimeUrl("gpt-realtime")), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        events.add(data.toString());
                        webSocket.request(1);
                        return null;
                    }
                })
                .orTimeout(5, TimeUnit.SECONDS)
                .join();
    }
}
