package com.escrowplatform.realtime.gateway.socketio;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Timers whose time moves only when the test calls {@link #advance}; due tasks run on the test's thread. */
final class ManualTimers implements SocketIoTimers {

    private static final class Timer {
        final long id;
        final long period;
        final Runnable task;
        long dueAt;

        Timer(long id, long dueAt, long period, Runnable task) {
            this.id = id;
            this.dueAt = dueAt;
            this.period = period;
            this.task = task;
        }
    }

    private final List<Timer> timers = new ArrayList<>();
    private long now;
    private long nextId;

    /** Starts at {@code startMillis}: the real time, so that tokens' expiry times lie in the future. */
    ManualTimers(long startMillis) {
        this.now = startMillis;
    }

    @Override
    public synchronized long nowMillis() {
        return now;
    }

    @Override
    public synchronized long schedule(long delayMillis, Runnable task) {
        timers.add(new Timer(nextId, now + delayMillis, 0, task));
        return nextId++;
    }

    @Override
    public synchronized long every(long periodMillis, Runnable task) {
        timers.add(new Timer(nextId, now + periodMillis, periodMillis, task));
        return nextId++;
    }

    @Override
    public synchronized void cancel(long timerId) {
        timers.removeIf(timer -> timer.id == timerId);
    }

    /** Moves time on by {@code millis}, running every task that falls due, in the order they fall due. */
    void advance(long millis) {
        long until;
        synchronized (this) {
            until = now + millis;
        }
        while (true) {
            Timer due;
            synchronized (this) {
                due = timers.stream().filter(timer -> timer.dueAt <= until)
                        .min(Comparator.comparingLong((Timer timer) -> timer.dueAt).thenComparingLong(timer -> timer.id))
                        .orElse(null);
                if (due == null) {
                    now = until;
                    return;
                }
                now = due.dueAt;
                if (due.period > 0) {
                    due.dueAt += due.period;
                } else {
                    timers.remove(due);
                }
            }
            due.task.run(); // without the lock: a task schedules and cancels
        }
    }
}
