package app.donna.platform.observability;

import io.sentry.Sentry;

/**
 * Sends unexpected errors to Sentry when a DSN is configured; does nothing otherwise. Errors are logged
 * where they are handled; this only adds the report.
 */
public class ErrorReporter {

    private final boolean enabled;

    public ErrorReporter(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    public void report(Throwable error) {
        if (enabled) {
            Sentry.captureException(error);
        }
    }
}
