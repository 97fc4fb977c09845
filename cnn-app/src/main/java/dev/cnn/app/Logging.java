package dev.cnn.app;

import dev.cnn.core.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Marker;
import org.apache.logging.log4j.MarkerManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Adds a log file to the console logging configured in {@code log4j2.xml}. */
final class Logging {
    /** Messages with this marker go to the log file only (the console shows them its own way). */
    static final Marker FILE_ONLY = MarkerManager.getMarker("FILE_ONLY");

    private Logging() {
    }

    /** An error handler that drops the appender's errors (the CLI reports a failed write itself). */
    private static final org.apache.logging.log4j.core.ErrorHandler QUIET = new org.apache.logging.log4j.core.ErrorHandler() {
        @Override
        public void error(String msg) {
        }

        @Override
        public void error(String msg, Throwable t) {
        }

        @Override
        public void error(String msg, org.apache.logging.log4j.core.LogEvent event, Throwable t) {
        }
    };

    /**
     * Logs to {@code file} (appending) from now on, instead of any file added before. Fails with one line
     * naming the file when it cannot be written.
     */
    static void addFile(Path file) throws IOException {
        try {
            Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND).close();
        } catch (IOException e) {
            throw new IOException("cannot write the log " + file + ": " + AtomicFile.reason(e), e);
        }
        removeFile();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        FileAppender app = FileAppender.newBuilder().setName("file").withFileName(file.toString()).withAppend(true)
                .setLayout(PatternLayout.newBuilder().withPattern("%d{ISO8601} %-5level %logger{1} - %msg%n")
                        .withConfiguration(config).build())
                .setConfiguration(config).build();
        // a full disk: Log4j's default handler would print a stack trace per failed line; the run reports the
        // failure itself in one line where it writes the model, so the log file's errors stay quiet
        app.setHandler(QUIET);
        app.start();
        config.addAppender(app);
        config.getRootLogger().addAppender(app, Level.INFO, null);
        ctx.updateLoggers();
    }

    /** Stops logging to the file added by {@link #addFile}, if any. */
    static void removeFile() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        Appender old = config.getAppender("file");
        if (old != null) {
            config.getRootLogger().removeAppender("file");
            ctx.updateLoggers();
            old.stop();
        }
    }
}
