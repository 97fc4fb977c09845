package dev.cnn.app;

import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code cnn} command line. Exit codes: 0 success, 2 usage error, 1 failure with a one-line cause
 * (a stack trace only with {@code --verbose}).
 */
@Command(name = "cnn", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Train, evaluate and use convolutional neural networks written from scratch in Java.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, SummaryCommand.class,
            BenchCommand.class, ExportCommand.class, ImportCommand.class, ServeCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** {@code cnn --version}: the library version the build recorded, and the JVM. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cnn " + dev.cnn.core.Version.LIBRARY,
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (for tests and embedding). */
    public static int run(String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        if (Arrays.asList(args).contains("--quiet") && System.getProperty("cnn.console.level") == null) {
            System.setProperty("cnn.console.level", "WARN");
        }
        System.setProperty("java.awt.headless", "true");
        // cnn train saves the model in its own shutdown hook on Ctrl-C; keep logging alive until then
        System.setProperty("log4j2.shutdownHookEnabled", "false");
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args2) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("cnn: usage error: " + oneLine(ex));
            cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
            cmd.getErr().flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("cnn: error: " + oneLine(ex));
            if (verbose) {
                ex.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return 1;
        });
        // 'cnn nosuch --help' would print the top-level help and exit 0: an unknown command is a usage error,
        // whatever follows it
        for (String a : args) {
            if (a.startsWith("-")) {
                continue;
            }
            if (!cl.getSubcommands().containsKey(a)) {
                cl.getErr().println("cnn: usage error: unknown command '" + a + "'; the commands are "
                        + String.join(", ", cl.getSubcommands().keySet()));
                cl.getErr().println("Try 'cnn --help' for more information.");
                cl.getErr().flush();
                return 2;
            }
            break;
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) { // picocli hands on errors: say it in one line, as for every other failure
            cl.getErr().println("cnn: error: " + oneLine(e));
            cl.getErr().flush();
            return 1;
        }
    }

    static String oneLine(Throwable ex) {
        if (ex instanceof NoSuchFileException nf) {
            return "file not found: " + nf.getFile() + (nf.getReason() != null ? " (" + nf.getReason() + ")" : "");
        }
        if (ex instanceof InvalidPathException ip) {
            return "cannot use the path '" + ip.getInput() + "': " + ip.getReason() + " (file names outside ASCII need a "
                    + "UTF-8 locale, e.g. LANG=C.UTF-8; the ./cnn launcher sets one)";
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + ex.getMessage() + "); give the JVM more with CNN_JAVA_OPTS=-Xmx... or use a smaller "
                    + "--batch-size";
        }
        String m = ex.getMessage();
        if (m == null || m.isBlank()) {
            m = ex.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }
}
