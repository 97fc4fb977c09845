package dev.cnn.app;

import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Adds a log file to the console logging configured in {@code log4j2.xml}. */
final class Logging {
    private Logging() {
    }

    static void addFile(Path file) {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        if (config.getAppender("file") != null) {
            return;
        }
        FileAppender app = FileAppender.newBuilder().setName("file").withFileName(file.toString()).withAppend(true)
                .setLayout(PatternLayout.newBuilder().withPattern("%d{ISO8601} %-5level %logger{1} - %msg%n")
                        .withConfiguration(config).build())
                .setConfiguration(config).build();
        app.start();
        config.addAppender(app);
        config.getRootLogger().addAppender(app, Level.INFO, null);
        ctx.updateLoggers();
    }
}
