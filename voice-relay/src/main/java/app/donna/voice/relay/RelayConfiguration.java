package app.donna.voice.relay;

import app.donna.platform.kafka.KafkaClientProperties;
import app.donna.platform.web.WebSettings;
import app.donna.platform.workspace.WorkspaceDirectory;
import app.donna.platform.workspace.WorkspaceIdentity;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;
import org.springframework.web.socket.server.standard.ServletServerContainerFactoryBean;
import tools.jackson.databind.json.JsonMapper;

/**
 * Serves the relay at {@code /v1/realtime}, where the OpenAI SDKs look for the Realtime API under their
 * base URL. Browsers are let in from the origins the platform's CORS allows ({@code donna.web.allowed-origins},
 * exact origins): from any other the handshake is refused (403), so a page elsewhere cannot open a call with
 * a visitor's credentials (cross-site WebSocket hijacking). Clients that send no origin (servers, apps) are
 * not browsers, and go on to the token check.
 */
@Configuration
@EnableWebSocket
class RelayConfiguration implements WebSocketConfigurer {

    /** The largest part of a message the container hands over at once. */
    static final int PART_CHARS = 8 * 1024;

    /** The path of the Realtime API under an OpenAI base URL ({@code …/v1}). */
    static final String PATH = "/v1/realtime";

    private final RealtimeRelay relay;
    private final WebSettings web;

    RelayConfiguration(RealtimeRelay relay, WebSettings web) {
        this.relay = relay;
        this.web = web;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(relay, PATH).setAllowedOrigins(web.allowedOrigins().toArray(String[]::new));
    }

    /**
     * The container's frame limit. A factory bean may be made while configuration is still being read (to
     * learn what type it makes), before the settings bean exists, so it binds the limits it needs itself.
     */
    @Bean
    static ServletServerContainerFactoryBean webSocketContainer(Environment environment) {
        VoiceRelaySettings.Relay limits =
                Binder.get(environment).bindOrCreate("donna.voice.relay", VoiceRelaySettings.Relay.class);
        ServletServerContainerFactoryBean container = new ServletServerContainerFactoryBean();
        // the relay takes messages in parts of at most this (RealtimeRelay.supportsPartialMessages) and puts
        // them together up to max-frame-bytes itself; the container keeps buffers of this size per call
        container.setMaxTextMessageBufferSize(PART_CHARS);
        container.setMaxBinaryMessageBufferSize(PART_CHARS);
        container.setAsyncSendTimeout(limits.sendTimeout().toMillis());
        return container;
    }

    /**
     * Each workspace's persona and memberships, read from {@code donna.workspace}: whose call a member's is
     * and who the receptionist speaks for on it. Static: the relay this configuration registers needs it.
     */
    @Bean
    static WorkspaceDirectory workspaceDirectory(
            KafkaClientProperties clients, VoiceRelaySettings settings, WorkspaceIdentity identity) {
        return new WorkspaceDirectory(
                clients, settings.persona().persona(), identity.defaultId(), Duration.ofSeconds(30));
    }

    /** Jackson for the events: one mapper, no framework customisation needed for plain maps. */
    @Bean
    static JsonMapper realtimeJson() {
        return JsonMapper.builder().build();
    }
}
