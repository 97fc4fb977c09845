package dev.cnn.app;

import dev.cnn.core.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** Options every command shares. */
final class CommonOptions {
    @Option(names = "--threads", description = "Kernel threads; 0 (the default) uses every available processor.",
            defaultValue = "0")
    int threads;

    @Option(names = "--json", description = "Print the result as JSON on standard output.")
    boolean json;

    @Option(names = "--quiet", description = "No progress bar, only warnings and the result.")
    boolean quiet;

    @Option(names = "--verbose", description = "Show stack traces on failure.")
    boolean verbose;

    /** More kernel threads than this many per processor only adds switching: {@code --threads} is capped there. */
    static final int MAX_THREADS_PER_PROCESSOR = 4;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    void applyThreads() {
        int cpus = Runtime.getRuntime().availableProcessors();
        int max = MAX_THREADS_PER_PROCESSOR * cpus;
        if (threads < 0 || threads > max) {
            throw usage(spec, "--threads must be from 1 to " + max + " (" + MAX_THREADS_PER_PROCESSOR + " x the " + cpus
                    + " available processors), or 0 for one per processor; got " + threads);
        }
        Threads.setCount(threads == 0 ? cpus : threads);
    }

    /** A usage error of {@code spec}'s command: one line on standard error and exit code 2. */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /**
     * The data root: {@code --data}, else {@code CNN_DATA} (either must exist), else
     * {@code ~/.cache/cnn/datasets}, created when missing (MNIST is downloaded into it).
     */
    static Path dataRoot(Path option) throws IOException {
        String env = System.getenv("CNN_DATA");
        Path p = option != null ? option : env != null && !env.isBlank() ? Path.of(env) : null;
        if (p == null) {
            return Files.createDirectories(Path.of(System.getProperty("user.home"), ".cache", "cnn", "datasets"));
        }
        if (!Files.isDirectory(p)) {
            throw new NoSuchFileException(p.toString(), null,
                    "data directory does not exist; pass --data DIR or set CNN_DATA");
        }
        return p;
    }
}
