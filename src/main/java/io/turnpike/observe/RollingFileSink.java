package io.turnpike.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.LoggerFactory;

/**
 * Access log lines in a file that logback rotates: daily and at 100 MiB, gzipped, 14 files and
 * 2 GiB kept. The appender belongs to this sink alone (it is not attached to a logger), so two
 * gateways in one JVM never write into each other's files.
 */
final class RollingFileSink implements AccessLog.Sink {
    static final String LOGGER = "turnpike.access";

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ch.qos.logback.classic.Logger logger = context.getLogger(LOGGER);
    private final RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();

    RollingFileSink(String file) {
        appender.setContext(context);
        appender.setName(LOGGER + ":" + file);
        appender.setFile(file);

        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i.gz");
        policy.setMaxFileSize(FileSize.valueOf("100MB"));
        policy.setMaxHistory(14);
        policy.setTotalSizeCap(FileSize.valueOf("2GB"));
        policy.start();

        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%msg%n");
        encoder.start();

        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalArgumentException("access log target: " + file + " (expected: a writable file path)");
        }
    }

    @Override
    public void write(String line) {
        appender.doAppend(new LoggingEvent(RollingFileSink.class.getName(), logger, Level.INFO, line, null, null));
    }

    @Override
    public void flush() {
        // the appender flushes every line itself
    }

    @Override
    public void close() {
        appender.stop();
    }
}
