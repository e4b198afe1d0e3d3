package com.escrowplatform.realtime.testsupport;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Records what the application logs while it is open (a handler on the root logger of the test's JVM, where a
 * {@code @QuarkusTest} application runs): for tests that assert what an operator would see in the log.
 */
public final class LogCapture implements AutoCloseable {
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture() {
        handler.setLevel(Level.ALL);
        Logger.getLogger("").addHandler(handler);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    /** Each record at WARN or above, or with a stack trace, as "LEVEL category: message". */
    public List<String> warningsOrWorse() {
        return records.stream()
                .filter(r -> r.getLevel().intValue() >= Level.WARNING.intValue() || r.getThrown() != null)
                .map(LogCapture::describe)
                .toList();
    }

    /** Each record at ERROR (SEVERE) or above, as "LEVEL category: message". */
    public List<String> errors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogCapture::describe).toList();
    }

    /** Each record, at any level it was logged at, whose message or stack trace mentions {@code text}. */
    public List<String> mentioning(String text) {
        return records.stream().filter(r -> describe(r).contains(text)).map(LogCapture::describe).toList();
    }

    private static String describe(LogRecord r) {
        return r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                + (r.getThrown() == null ? "" : " [" + r.getThrown() + "]");
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
    }
}
