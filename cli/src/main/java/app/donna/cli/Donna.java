package app.donna.cli;

import app.donna.cli.audit.AuditCommand;
import app.donna.cli.audit.AuditVerifyCommand;
import app.donna.cli.bench.BenchCommand;
import app.donna.cli.dev.DevCommand;
import app.donna.cli.dlt.DltCommand;
import app.donna.cli.infra.InfraCommand;
import app.donna.cli.infra.IssuerCommand;
import app.donna.cli.replay.ReplayCommand;
import app.donna.schemas.Topic;
import app.donna.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code donna} command. picocli parses the arguments, prints usage help ({@code --help} on every
 * command, {@code donna help <command>}) and the version, and decides the exit code: 0 on success, 1 when
 * a command failed, 2 for an unknown command or option (with the usage on stderr). Commands are configured
 * by environment variable, not by option, except the benchmarks' load.
 */
@Command(
        name = "donna",
        mixinStandardHelpOptions = true,
        versionProvider = Donna.Version.class,
        // --help, --version and the layout of the usage on every subcommand too
        scope = ScopeType.INHERIT,
        sortOptions = false,
        optionListHeading = "%nOptions:%n",
        commandListHeading = "%nCommands:%n",
        description = {
            "Runs Donna on one machine, and tools around it. Configuration is by environment variable; "
                    + "see README.md."
        })
public final class Donna implements Callable<Integer> {

    /** The commands that run until Ctrl-C: they return once their shutdown hook has stopped them. */
    private static final Set<Class<?>> RUN_UNTIL_STOPPED =
            Set.of(DevCommand.class, InfraCommand.class, IssuerCommand.class);

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        CommandLine donna = commandLine(System.getenv());
        int exit = donna.execute(args);
        // dev, infra and issuer return once their shutdown hook has stopped them: exiting then would wait for it
        if (exit != 0 || !ranUntilStopped(donna.getParseResult())) {
            System.exit(exit);
        }
    }

    /** Runs {@code donna <args>} and returns its exit code; {@code donna dev} returns when it is stopped. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        CommandLine donna = commandLine(env);
        donna.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        donna.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        int exit = donna.execute(args);
        donna.getOut().flush();
        donna.getErr().flush();
        return exit;
    }

    /** {@code donna} and its subcommands, those that start something configured by {@code env}. */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine donna = new CommandLine(new Donna())
                .addSubcommand(new DevCommand(env))
                .addSubcommand(new InfraCommand(env))
                .addSubcommand(new IssuerCommand(env))
                .addSubcommand(new TopicsCommand())
                .addSubcommand(new CommandLine(new AuditCommand(env)).addSubcommand(new AuditVerifyCommand(env)))
                .addSubcommand(DltCommand.commandLine(env))
                .addSubcommand(new ReplayCommand(env))
                .addSubcommand(new BenchCommand())
                .addSubcommand(new HelpCommand())
                .addSubcommand(new VersionCommand());
        donna.setSubcommandsCaseInsensitive(true);
        donna.setUsageHelpWidth(100);
        donna.setParameterExceptionHandler((e, args) -> {
            CommandLine command = e.getCommandLine();
            command.getErr().println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            UnmatchedArgumentException.printSuggestions(e, command.getErr());
            command.getErr().println();
            command.usage(command.getErr());
            return command.getCommandSpec().exitCodeOnInvalidInput();
        });
        donna.setExecutionExceptionHandler((e, command, parsed) -> {
            command.getErr()
                    .println(command.getCommandSpec().qualifiedName() + ": "
                            + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return command.getCommandSpec().exitCodeOnExecutionException();
        });
        return donna;
    }

    private static boolean ranUntilStopped(ParseResult parsed) {
        if (parsed == null) {
            return false;
        }
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        return !parsed.isUsageHelpRequested()
                && !parsed.isVersionHelpRequested()
                && RUN_UNTIL_STOPPED.contains(parsed.commandSpec().userObject().getClass());
    }

    /** {@code donna} alone: its usage, as {@code donna help} shows it. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** The version this build was made from. */
    static String version() {
        try (InputStream in = Donna.class.getResourceAsStream("/donna-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code donna --version}: {@code donna <version>}. */
    static final class Version implements IVersionProvider {

        @Override
        public String[] getVersion() {
            return new String[] {"donna " + version()};
        }
    }

    /** {@code donna version}, kept beside {@code --version} for those who type it. */
    @Command(name = "version", hidden = true, description = "Prints the version of donna.")
    static final class VersionCommand implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().printVersionHelp(spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(
            name = "topics",
            description = {
                "Lists the topic catalog: each topic's key, partitions, retention, clean-up policy and events."
            })
    static final class TopicsCommand implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-28s %-18s %4s %-9s %-8s %s%n", "TOPIC", "KEY", "PART", "RETENTION", "CLEANUP", "EVENTS");
            for (Topic<?> t : Topics.ALL) {
                out.printf(
                        "%-28s %-18s %4d %-9s %-8s %s%n",
                        t.name(),
                        t.key(),
                        t.partitions(),
                        t.retention().map(d -> d.toDays() + "d").orElse("forever"),
                        t.cleanupPolicy().config(),
                        String.join(
                                ", ",
                                t.events().stream().map(Class::getSimpleName).toList()));
            }
            out.println("Each topic T also has T" + Topic.DEAD_LETTER_SUFFIX
                    + " for records its consumers could not process.");
            out.flush();
            return 0;
        }
    }
}
