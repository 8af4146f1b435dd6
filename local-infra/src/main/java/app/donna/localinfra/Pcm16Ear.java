package app.donna.localinfra;

import java.util.Map;

/**
 * The stand-in model's ear for real audio: it measures PCM16 (little-endian, mono) audio as it arrives,
 * how much of it is sound rather than silence and the dominant frequency of the sound (from its zero
 * crossings), and names the scripted tone it matches. Enough to tell that a tone played into a browser's
 * microphone reached the model through every hop, resampled but intact.
 */
final class Pcm16Ear {

    /** A frame whose loudest sample is this loud (of 32768) is sound, not silence. */
    private static final int SOUND = 1_000;
    /** At least this long a sound is heard: a fifth of a second. */
    private static final double LEAST_SECONDS = 0.2;

    private static final double TOLERANCE = 0.10;

    private final int sampleRate;
    /** 20 ms of samples: the unit measured as sound or silence. */
    private final int frameLength;

    private long loudSamples;
    private long crossings;
    private int inFrame;
    private int framePeak;
    private int frameCrossings;
    private int previous;
    private int pendingByte = -1;

    Pcm16Ear(int sampleRate) {
        this.sampleRate = sampleRate;
        this.frameLength = sampleRate / 50;
    }

    void hear(byte[] audio) {
        int at = 0;
        if (pendingByte >= 0 && audio.length > 0) {
            sample((short) ((audio[0] << 8) | pendingByte));
            pendingByte = -1;
            at = 1;
        }
        for (; at + 1 < audio.length; at += 2) {
            sample((short) ((audio[at + 1] << 8) | (audio[at] & 0xff)));
        }
        if (at < audio.length) {
            pendingByte = audio[at] & 0xff;
        }
    }

    private void sample(short value) {
        framePeak = Math.max(framePeak, Math.abs((int) value));
        if (value != 0) {
            if (previous != 0 && Integer.signum(value) != Integer.signum(previous)) {
                frameCrossings++;
            }
            previous = value;
        }
        if (++inFrame == frameLength) {
            if (framePeak >= SOUND) {
                loudSamples += frameLength;
                crossings += frameCrossings;
            }
            inFrame = 0;
            framePeak = 0;
            frameCrossings = 0;
        }
    }

    /** The dominant frequency of the sound heard so far, in hertz; 0 for (near) silence. */
    double frequency() {
        double seconds = (double) loudSamples / sampleRate;
        return seconds < LEAST_SECONDS ? 0 : crossings / 2.0 / seconds;
    }

    /** The transcript of the scripted tone the sound matches, or "" when none does. */
    String recognise(Map<Integer, String> tones) {
        double heard = frequency();
        for (var tone : tones.entrySet()) {
            if (heard > 0 && Math.abs(heard - tone.getKey()) <= tone.getKey() * TOLERANCE) {
                return tone.getValue();
            }
        }
        return "";
    }

    void reset() {
        loudSamples = 0;
        crossings = 0;
        inFrame = 0;
        framePeak = 0;
        frameCrossings = 0;
        previous = 0;
        pendingByte = -1;
    }
}
