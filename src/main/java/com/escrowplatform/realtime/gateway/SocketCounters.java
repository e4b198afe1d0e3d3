package com.escrowplatform.realtime.gateway;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The hub's figures for the sockets of one {@link SocketProtocol}. A {@link Subscriber} holds its protocol's
 * counters from its open, so a delivery increments them directly: no lookup by protocol on the fan-out path.
 * Lock-free, any thread.
 */
public final class SocketCounters {
    final SocketProtocol protocol;
    final AtomicInteger openSockets = new AtomicInteger();
    final AtomicInteger subscriptions = new AtomicInteger();
    final LongAdder deliveries = new LongAdder();
    final LongAdder slowConsumerCloses = new LongAdder();
    final LongAdder brokenPeerCloses = new LongAdder();
    final LongAdder hotReplays = new LongAdder();
    final LongAdder coldReplays = new LongAdder();
    final LongAdder unrecoveredReplays = new LongAdder();

    SocketCounters(SocketProtocol protocol) {
        this.protocol = protocol;
    }

    /** Sockets open with the hub. */
    public int openSockets() {
        return openSockets.get();
    }

    /** Room subscriptions of the open sockets (a socket in three rooms counts three). */
    public int subscriptions() {
        return subscriptions.get();
    }

    /** Frames handed to peers, replays included. */
    public long deliveries() {
        return deliveries.sum();
    }

    /** Sockets closed with 4008. */
    public long slowConsumerCloses() {
        return slowConsumerCloses.sum();
    }

    /** Sockets closed because their adapter threw. */
    public long brokenPeerCloses() {
        return brokenPeerCloses.sum();
    }

    /** Resumes served from the replay window. */
    public long hotReplays() {
        return hotReplays.sum();
    }

    /** Resumes served by the cold reader. */
    public long coldReplays() {
        return coldReplays.sum();
    }

    /** Resumes answered with {@code recovered:false}. */
    public long unrecoveredReplays() {
        return unrecoveredReplays.sum();
    }
}
