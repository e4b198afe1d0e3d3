package com.escrowplatform.realtime.gateway.socketio;

import io.vertx.core.Vertx;

/**
 * The clock and timers of the Socket.IO adapter (heartbeat, connect timeout, token expiry, upgrade checks):
 * Vert.x timers in production ({@link #of(Vertx)}), time driven by hand in tests. Any thread; tasks run on
 * an event loop in production and must not block.
 */
interface SocketIoTimers {

    long nowMillis();

    /** Runs {@code task} once after {@code delayMillis}; returns an id for {@link #cancel}. */
    long schedule(long delayMillis, Runnable task);

    /** Runs {@code task} every {@code periodMillis} until cancelled; returns an id for {@link #cancel}. */
    long every(long periodMillis, Runnable task);

    /** Cancels a timer; an unknown or spent id (or -1, no timer) is ignored. */
    void cancel(long timerId);

    static SocketIoTimers of(Vertx vertx) {
        return new SocketIoTimers() {
            @Override
            public long nowMillis() {
                return System.currentTimeMillis();
            }

            @Override
            public long schedule(long delayMillis, Runnable task) {
                return vertx.setTimer(delayMillis, id -> task.run());
            }

            @Override
            public long every(long periodMillis, Runnable task) {
                return vertx.setPeriodic(periodMillis, id -> task.run());
            }

            @Override
            public void cancel(long timerId) {
                if (timerId >= 0) {
                    vertx.cancelTimer(timerId);
                }
            }
        };
    }
}
