package io.turnpike.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * Access log lines in a file that logback rotates: daily and at 100 MiB, 14 days and 2 GiB kept,
 * each rotated file as it was written ({@code access.log.2026-12-05.0}) or, when asked, gzipped
 * ({@code .0.gz}). Gzip is off by default: it costs about a second of CPU per 100 MiB, taken from
 * the gateway's own cores (at 30,000 requests a second that is every few seconds, ~15% of a core),
 * where nginx leaves compression to logrotate. The appender belongs to this sink alone (it is not
 * attached to a logger), so two gateways in one JVM never write into each other's files. It gets one
 * event per batch, whose bytes are the batch's lines as they are ({@link BatchEncoder}): one write
 * per batch.
 */
final class RollingFileSink implements AccessLog.Sink {
    static final String LOGGER = "turnpike.access";

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final ch.qos.logback.classic.Logger logger = context.getLogger(LOGGER);
    private final RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    private final BatchEncoder encoder = new BatchEncoder();

    static final FileSize MAX_FILE_SIZE = FileSize.valueOf("100MB");

    static final int MAX_HISTORY_DAYS = 14;

    RollingFileSink(String file, boolean compress) {
        this(file, compress, MAX_FILE_SIZE, MAX_HISTORY_DAYS);
    }

    /** {@code maxHistoryDays} 0: rotated files are never removed (no 14-day or 2 GiB pruning). */
    RollingFileSink(String file, boolean compress, FileSize maxFileSize, int maxHistoryDays) {
        appender.setContext(context);
        appender.setName(LOGGER + ":" + file);
        appender.setFile(file);

        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        // logback compresses exactly when the pattern ends in .gz
        policy.setFileNamePattern(file + ".%d{yyyy-MM-dd}.%i" + (compress ? ".gz" : ""));
        policy.setMaxFileSize(maxFileSize);
        if (maxHistoryDays > 0) {
            policy.setMaxHistory(maxHistoryDays);
            policy.setTotalSizeCap(FileSize.valueOf("2GB"));
        }
        policy.start();

        encoder.setContext(context);
        encoder.start();

        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder);
        appender.start();
        if (!appender.isStarted()) {
            throw new IllegalArgumentException("access log target: " + file + " (expected: a writable file path)");
        }
    }

    @Override
    public void write(byte[] batch, int length, int lines) {
        encoder.next = Arrays.copyOf(batch, length);
        appender.doAppend(new LoggingEvent(RollingFileSink.class.getName(), logger, Level.INFO, "", null, null));
        encoder.next = null;
    }

    /** Encodes the event the sink appends as the batch it was given (the event itself carries nothing). */
    private static final class BatchEncoder extends EncoderBase<ILoggingEvent> {
        byte[] next;

        @Override public byte[] headerBytes() { return null; }
        @Override public byte[] encode(ILoggingEvent event) { return next == null ? new byte[0] : next; }
        @Override public byte[] footerBytes() { return null; }
    }

    @Override
    public void close() {
        appender.stop();
    }
}
