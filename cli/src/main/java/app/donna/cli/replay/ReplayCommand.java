package app.donna.cli.replay;

import app.donna.cli.BrokerSettings;
import app.donna.projections.abuse.AbuseFlagProjection;
import app.donna.projections.actions.ActionProjection;
import app.donna.projections.chat.ChatProjection;
import app.donna.projections.dashboards.DashboardProjection;
import app.donna.projections.email.AutopilotProjection;
import app.donna.projections.email.GmailInboxProjection;
import app.donna.projections.email.GmailMailboxProjection;
import app.donna.projections.engine.Projection;
import app.donna.projections.engine.Replay;
import app.donna.projections.voice.VoiceProjection;
import app.donna.projections.workspace.WorkspaceProjection;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code donna replay <projection> [--switch]}: rebuilds a read model from its topics into a shadow schema
 * beside the live one, with progress, compares the two table by table, and with {@code --switch} swaps the
 * rebuilt tables in atomically while the live projector keeps running ({@link Replay}).
 */
@Command(
        name = "replay",
        description = {
            "Rebuilds a projection's tables from its topics into the schema replay_<projection>, compares them with "
                    + "the live ones (rows and checksums per table), and with --switch swaps them in atomically "
                    + "while the live projector runs; the replaced tables are kept in replaced_<projection>_<time>.",
            "",
            "Environment: DONNA_DB_URL (default jdbc:postgresql://127.0.0.1:5432/donna), DONNA_DB_USER, "
                    + "DONNA_DB_PASSWORD; DONNA_KAFKA_BOOTSTRAP and the SPRING_KAFKA_* security settings."
        })
public final class ReplayCommand implements Callable<Integer> {

    /** Every projection that can be rebuilt, by name (the audit trail is never rebuilt). */
    static final List<Projection> PROJECTIONS = List.of(
            new ChatProjection(),
            new AbuseFlagProjection(),
            new VoiceProjection(),
            new ActionProjection(),
            new GmailMailboxProjection(),
            new GmailInboxProjection(),
            new AutopilotProjection(),
            new DashboardProjection(),
            new WorkspaceProjection());

    @Parameters(paramLabel = "PROJECTION", description = "chat, abuse, voice, actions, dashboards, workspace, ...")
    String name;

    @Option(names = "--switch", description = "swap the rebuilt tables in once they are rebuilt")
    boolean switchIn;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;

    public ReplayCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        Projection projection = PROJECTIONS.stream()
                .filter(p -> p.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new CommandLine.ParameterException(
                        spec.commandLine(),
                        "No projection " + name + " to rebuild; one of "
                                + PROJECTIONS.stream().map(Projection::name).toList()));
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (HikariDataSource db = new HikariDataSource()) {
            db.setJdbcUrl(env.getOrDefault("DONNA_DB_URL", "jdbc:postgresql://127.0.0.1:5432/donna"));
            db.setUsername(env.getOrDefault("DONNA_DB_USER", "donna"));
            db.setPassword(env.getOrDefault("DONNA_DB_PASSWORD", "donna"));
            db.setMaximumPoolSize(2);
            Replay replay = new Replay(db, BrokerSettings.of(env), projection, Clock.systemUTC());
            Replay.Rebuilt rebuilt = replay.rebuild(p -> {
                err.printf(
                        "replay %s: %d of %d event(s)%s, %.0f/s%n",
                        name,
                        p.applied() + p.skipped(),
                        p.total(),
                        p.total() == 0 ? "" : String.format(" (%d%%)", 100 * (p.applied() + p.skipped()) / p.total()),
                        (p.applied() + p.skipped())
                                / Math.max(0.001, p.elapsed().toNanos() / 1e9));
                err.flush();
            });
            out.printf(
                    "Rebuilt %s into %s: %d event(s) in %.1f s (%.0f/s)%s%n",
                    name,
                    replay.shadowSchema(),
                    rebuilt.events(),
                    rebuilt.took().toNanos() / 1e9,
                    rebuilt.eventsPerSecond(),
                    rebuilt.skipped() == 0 ? "" : "; " + rebuilt.skipped() + " record(s) not events, skipped");
            for (Replay.TableComparison t : replay.compare()) {
                out.printf(
                        "  %-28s live %9d rows, rebuilt %9d rows: %s%n",
                        t.table(), t.liveRows(), t.shadowRows(), t.same() ? "same" : "differs");
            }
            if (switchIn) {
                String replaced = replay.switchIn();
                out.printf(
                        "Switched in: %s's tables are the rebuilt ones; the replaced ones are in %s%n", name, replaced);
            } else {
                out.printf(
                        "The rebuilt tables are in %s (live ones differ where the projector has read further); "
                                + "--switch swaps them in%n",
                        replay.shadowSchema());
            }
            out.flush();
        }
        return 0;
    }
}
