package app.donna.localinfra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Free ports on loopback, for servers started locally (dev, tests, benchmarks). */
public final class LocalPorts {

    /**
     * Every port handed out in this JVM. The system may offer a port again as soon as its probe socket is
     * closed, so two calls in a row (a broker's listener and its controller's) could otherwise get the same
     * one before either server has bound it.
     */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private LocalPorts() {}

    /**
     * A port that was free a moment ago and that no earlier call in this JVM returned; another process could
     * still take it before it is bound.
     */
    public static int free() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = probe();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no loopback port that this JVM has not handed out already");
    }

    private static int probe() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on loopback", e);
        }
    }
}
