package app.donna.ingress.voice;

import app.donna.platform.persona.Persona;
import java.time.Duration;
import java.time.Instant;

/**
 * Mints short-lived Realtime client secrets, so that a caller's browser or app talks to the model directly
 * without ever holding the server's key; every secret carries the session the server pins (the persona's
 * instructions, voice, turn detection, transcription, {@link app.donna.platform.persona.ReceptionistTools}). The OpenAI adapter is
 * {@code ingress.openai.OpenAiRealtimeSecrets}.
 */
public interface RealtimeSecrets {

    /**
     * A secret living {@code lifetime}, at most the configured token lifetime, pinned to the receptionist
     * of {@code persona} (the call's workspace's).
     *
     * @throws NotMinted when none could be had, saying why
     */
    Minted mint(Duration lifetime, Persona persona);

    /** A minted secret: what the caller connects with, until when, to which model. */
    record Minted(String secret, Instant expiresAt, String model) {}

    /** Why no secret was minted, in words a caller can act on. */
    final class NotMinted extends RuntimeException {

        public enum Reason {
            /** no key configured: voice is off here */
            OFFLINE,
            /** the model's API did not answer within the timeout */
            TIMED_OUT,
            /** the API is over its rate limit for us, or overloaded */
            BUSY,
            /** the API refused or failed the request */
            UPSTREAM_FAILED
        }

        private final Reason reason;

        public NotMinted(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }
}
