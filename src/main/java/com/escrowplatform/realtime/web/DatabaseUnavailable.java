package com.escrowplatform.realtime.web;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;

import io.smallrye.mutiny.CompositeException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Tells a failure caused by the database being out of reach (answered 503 + Retry-After) from any other: the
 * database refuses or times out a connection, or a connection breaks under a call, its commit included (then
 * nobody knows whether the commit was made; a retry with the same Idempotency-Key settles it).
 *
 * <p>The failure is read along its causes. A Mutiny {@link CompositeException} (a failure, then a failed
 * clean-up) counts by its first failure only: a fault of ours followed by a lost connection stays a fault of ours.
 */
final class DatabaseUnavailable {
    /** Hibernate Reactive's "Live transaction detected while closing the connection": its rollback is suppressed in it. */
    private static final String LIVE_TRANSACTION_ON_CLOSE = "HR000090";
    private static final int MAX_DEPTH = 32;

    private DatabaseUnavailable() {
    }

    static boolean isCause(Throwable failure) {
        return isCause(failure, 0);
    }

    private static boolean isCause(Throwable failure, int depth) {
        Throwable t = failure;
        for (int i = depth; t != null && i < MAX_DEPTH; i++, t = t.getCause() == t ? null : t.getCause()) {
            if (isConnectionFailure(t)) {
                return true;
            }
            // the connection was closed with its transaction open; the rollback this forced failed for want of a link
            if (t instanceof IllegalStateException && startsWith(t.getMessage(), LIVE_TRANSACTION_ON_CLOSE)) {
                for (Throwable rollback : t.getSuppressed()) {
                    if (isCause(rollback, i + 1)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isConnectionFailure(Throwable t) {
        // refused, reset, no route: a SocketException whatever the message
        if (t instanceof SocketException || t instanceof ClosedConnectionException || t instanceof ClosedChannelException) {
            return true;
        }
        if (t instanceof PgException pg && isUnavailableState(pg.getSqlState())) {
            return true;
        }
        if (t instanceof CompositeException) {
            return false; // its message lists every failure it holds; its first one is its cause, read next
        }
        String message = t.getMessage();
        if (message == null) {
            return false;
        }
        if (t instanceof IOException) {
            return message.contains("Connection reset") || message.contains("Broken pipe");
        }
        // what the pool and the driver report without a typed exception: a connect timeout, a closed pool, a
        // statement on a connection already closed, statements queued on it when it closed
        return message.contains("Connection refused") || message.contains("Timeout while connecting")
                || message.contains("Pool closed") || message.startsWith("Connection is not active now")
                || message.startsWith("Pending requests failed to be sent due to connection has been closed");
    }

    private static boolean startsWith(String message, String prefix) {
        return message != null && message.startsWith(prefix);
    }

    /** SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 53300 (too many connections). */
    private static boolean isUnavailableState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300"));
    }
}
