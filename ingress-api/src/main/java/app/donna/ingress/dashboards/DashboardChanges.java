package app.donna.ingress.dashboards;

import app.donna.platform.workspace.WorkspaceIdentity;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Hears the dashboards projection say which workspaces' figures changed (PostgreSQL {@code LISTEN} on
 * {@code donna_dashboards}; a notification is sent when the projector's batch commits) and tells the
 * streams open for those workspaces. One connection of the pool is kept for listening; when the database
 * goes away it is opened again every few seconds, and every open stream is told once it is back, since a
 * change may have been missed meanwhile.
 */
@Component
class DashboardChanges implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DashboardChanges.class);

    /** The dashboards projection's notification channel ({@code DashboardProjection.CHANNEL}). */
    static final String CHANNEL = "donna_dashboards";

    private final DataSource dataSource;
    private final String defaultWorkspace;
    private final Map<String, Set<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private Thread thread;

    DashboardChanges(DataSource dataSource, WorkspaceIdentity identity) {
        this.dataSource = dataSource;
        this.defaultWorkspace = identity.defaultId();
    }

    /** Calls {@code onChange} (with the workspace) whenever {@code workspace}'s dashboards change. */
    Runnable listen(String workspace, Consumer<String> onChange) {
        listeners.computeIfAbsent(workspace, w -> new CopyOnWriteArraySet<>()).add(onChange);
        return () -> listeners.computeIfPresent(workspace, (w, set) -> {
            set.remove(onChange);
            return set.isEmpty() ? null : set;
        });
    }

    @Override
    public void start() {
        if (running.compareAndSet(false, true)) {
            thread = Thread.ofPlatform().name("dashboard-changes").daemon().start(this::listenLoop);
        }
    }

    private void listenLoop() {
        boolean missed = false;
        while (running.get()) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                try (Statement listen = connection.createStatement()) {
                    listen.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                if (missed) {
                    log.info("Listening for dashboard changes again; every open dashboard is sent afresh");
                    listeners.keySet().forEach(this::changed);
                    missed = false;
                }
                while (running.get()) {
                    PGNotification[] notifications = pg.getNotifications(1_000);
                    if (notifications != null) {
                        for (PGNotification n : notifications) {
                            changed(n.getParameter().isEmpty() ? defaultWorkspace : n.getParameter());
                        }
                    }
                }
            } catch (Exception e) {
                if (!running.get()) {
                    return;
                }
                missed = true;
                log.warn("Not hearing dashboard changes ({}); trying again in 3 s", e.toString());
                try {
                    Thread.sleep(3_000);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void changed(String workspace) {
        Set<Consumer<String>> set = listeners.get(workspace);
        if (set != null) {
            set.forEach(listener -> listener.accept(workspace));
        }
    }

    @Override
    public void stop() {
        running.set(false);
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running.get();
    }
}
