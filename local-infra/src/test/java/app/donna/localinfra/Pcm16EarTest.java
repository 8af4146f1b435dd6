package app.donna.localinfra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class Pcm16EarTest {

    static final Map<Integer, String> TONES = Map.of(440, "take a message", 1_000, "book me in");

    @Test
    void aToneIsHeardAsItsTranscriptInAnyChunking() {
        Pcm16Ear ear = new Pcm16Ear(24_000);
        byte[] tone = pcm16(440, 0.5, 8_000);
        for (int at = 0; at < tone.length; at += 333) { // odd chunks split samples across appends
            ear.hear(java.util.Arrays.copyOfRange(tone, at, Math.min(tone.length, at + 333)));
        }
        assertThat(ear.frequency()).isBetween(430.0, 450.0);
        assertThat(ear.recognise(TONES)).isEqualTo("take a message");

        ear.reset();
        ear.hear(pcm16(1_000, 0.5, 8_000));
        assertThat(ear.recognise(TONES)).isEqualTo("book me in");
    }

    @Test
    void silenceAnotherToneOrTooShortASoundIsHeardAsNothing() {
        Pcm16Ear ear = new Pcm16Ear(24_000);
        ear.hear(pcm16(440, 1.0, 200)); // below the sound threshold: silence
        assertThat(ear.recognise(TONES)).isEmpty();
        ear.reset();
        ear.hear(pcm16(700, 1.0, 8_000));
        assertThat(ear.recognise(TONES)).isEmpty();
        ear.reset();
        ear.hear(pcm16(440, 0.1, 8_000));
        assertThat(ear.recognise(TONES)).isEmpty();
    }

    static byte[] pcm16(int hertz, double seconds, int amplitude) {
        int samples = (int) (24_000 * seconds);
        byte[] out = new byte[samples * 2];
        for (int i = 0; i < samples; i++) {
            short v = (short) Math.round(amplitude * Math.sin(2 * Math.PI * hertz * i / 24_000.0));
            out[2 * i] = (byte) v;
            out[2 * i + 1] = (byte) (v >> 8);
        }
        return out;
    }
}
