package app.donna.schemas;

import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * A W3C Trace Context {@code traceparent} value: version 00, a 16-byte trace id, an 8-byte parent (span)
 * id and flags. Each hop keeps the trace id and mints a new span id, so one request can be followed
 * through every topic it causes.
 */
public record Traceparent(String traceId, String spanId, String flags) {

    private static final Pattern FORMAT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})");
    private static final String INVALID_TRACE = "0".repeat(32);
    private static final String INVALID_SPAN = "0".repeat(16);

    /** Parses a header value; empty when it is absent or not a valid version-00 traceparent. */
    public static Optional<Traceparent> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        var m = FORMAT.matcher(value.strip());
        if (!m.matches() || m.group(1).equals(INVALID_TRACE) || m.group(2).equals(INVALID_SPAN)) {
            return Optional.empty();
        }
        return Optional.of(new Traceparent(m.group(1), m.group(2), m.group(3)));
    }

    /**
     * A new trace, not sampled: its id ties the hops' log lines together, and whether spans are recorded
     * stays the decision of whoever starts a trace with a tracer.
     */
    public static Traceparent newRoot() {
        return new Traceparent(randomHex(16), randomHex(8), "00");
    }

    @Override
    public String toString() {
        return "00-" + traceId + "-" + spanId + "-" + flags;
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        do {
            ThreadLocalRandom.current().nextBytes(b);
        } while (allZero(b));
        return HexFormat.of().formatHex(b);
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
