package app.donna.cli.dev;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.function.Supplier;

/**
 * {@code %service} in the log pattern of {@code donna dev}: which service (or {@code kafka},
 * {@code postgres}) a log line comes from. There every service shares one process and one logback, so
 * the name cannot come from configuration; it travels with the threads instead. {@link DevStack} starts
 * and stops each service {@linkplain #runAs running as} that service, and every thread created meanwhile
 * (Tomcat's, the Kafka consumers and stream threads, the virtual threads they start in turn) inherits the
 * name. A thread that all services share shows the one that happened to create it.
 */
public final class ServiceNameConverter extends ClassicConverter {

    private static final InheritableThreadLocal<String> SERVICE = new InheritableThreadLocal<>();

    /** Runs {@code action} on this thread as {@code service}: it and the threads it creates log as that. */
    static <T> T runAs(String service, Supplier<T> action) {
        String before = SERVICE.get();
        SERVICE.set(service);
        try {
            return action.get();
        } finally {
            SERVICE.set(before);
        }
    }

    static void runAs(String service, Runnable action) {
        runAs(service, () -> {
            action.run();
            return null;
        });
    }

    @Override
    public String convert(ILoggingEvent event) {
        String service = SERVICE.get();
        return service == null ? "" : service;
    }
}
