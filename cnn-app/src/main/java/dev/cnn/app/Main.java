package dev.cnn.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cnn} command line. */
@Command(name = "cnn", mixinStandardHelpOptions = true, version = "cnn 0.1.0",
        description = "Train, evaluate and use convolutional neural networks written from scratch in Java.")
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
