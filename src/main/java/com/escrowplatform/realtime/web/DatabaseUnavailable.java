package com.escrowplatform.realtime.web;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** Tells a failure caused by an unreachable database (answered 503 + Retry-After) from any other. */
final class DatabaseUnavailable {
    private DatabaseUnavailable() {
    }

    static boolean isCause(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof ClosedConnectionException
                    || t instanceof ClosedChannelException) {
                return true;
            }
            if (t instanceof PgException pg && isUnavailableState(pg.getSqlState())) {
                return true;
            }
            // the pool reports a connect timeout without a typed exception
            String message = t.getMessage();
            if (message != null && (message.contains("Connection refused") || message.contains("Timeout while connecting")
                    || message.contains("Pool closed"))) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 53300 (too many connections). */
    private static boolean isUnavailableState(String state) {
        return state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300"));
    }
}
