package com.escrowplatform.realtime.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client following one escrow room for the fault suite, on either protocol: what it observed, in arrival order
 * (its view for the checker), how its resumes went, and whether it is caught up. Its thread runs {@link #run()};
 * the suite's thread reads the rest.
 */
abstract class Subscriber implements Runnable {
    final String name;
    final Cluster cluster;
    final RestWriter.Escrow escrow;
    final String user;
    final List<DeliveryChecker.Observation> observations = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong recovered = new AtomicLong();
    final AtomicLong notRecovered = new AtomicLong();
    volatile boolean stopped;
    volatile boolean connected;
    volatile long applied = Long.MIN_VALUE;
    /** The instance it connects to now; it moves on to the next after a failure. */
    int slot;

    Subscriber(String name, Cluster cluster, RestWriter.Escrow escrow, String user, int slot) {
        this.name = name;
        this.cluster = cluster;
        this.escrow = escrow;
        this.user = user;
        this.slot = slot;
    }

    final RestWriter.Escrow escrow() {
        return escrow;
    }

    /** Connected and subscribed, having applied {@code version} (or loaded a snapshot at or past it). */
    final boolean caughtUpWith(long version) {
        return connected && applied >= version;
    }

    final boolean connected() {
        return connected;
    }

    final long recovered() {
        return recovered.get();
    }

    final long notRecovered() {
        return notRecovered.get();
    }

    final void stop() {
        stopped = true;
    }

    final DeliveryChecker.View view(boolean subscribedToTheEnd) {
        synchronized (observations) {
            return new DeliveryChecker.View(name, escrow.id(), List.copyOf(observations), subscribedToTheEnd);
        }
    }
}
