package com.escrowplatform.realtime.gateway;

import java.util.concurrent.atomic.AtomicLong;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.tracing.EventTrace;

/**
 * One socket as the hub knows it: its {@link Peer}, its subscriptions, and its outbound byte budget.
 * Obtained from {@link Hub#open(Peer, SocketProtocol)}; the adapter keeps it for the socket's life.
 *
 * <h2>Outbound budget</h2>
 * Bytes ({@link GatewayEvent#sizeBytes()}) are counted when a frame is handed to the peer and released when
 * the adapter reports the write done ({@link #writeCompleted}). A handover that would take the count above
 * {@link HubLimits#maxOutboundBytesPerSocket()} closes the socket with 4008 instead: the event is not
 * queued, nobody waits, and other sockets are unaffected.
 *
 * <h2>Threads and locks</h2>
 * {@link #writeCompleted} and the counters are lock-free and callable from any thread. The subscription map
 * and the rate bucket are guarded by this object's monitor ("the subscriber lock"). Lock order in the hub:
 * subscription lock, then subscriber lock, then a room's index bin; never the other way round. In particular a
 * thread holding the subscriber lock never waits for a subscription lock: the live consumer holds a
 * subscription lock while it sends, and a send can close the subscriber (too slow), which takes the subscriber
 * lock; the reverse order would deadlock.
 */
public final class Subscriber {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final Hub hub;
    final Peer peer;
    /** Its protocol's, chosen once at open so that counting a delivery is one increment. */
    final SocketCounters counters;
    private final long maxOutstandingBytes;
    private final AtomicLong outstandingBytes = new AtomicLong();
    /** Written under the subscriber lock, read anywhere. */
    volatile boolean open = true;
    /** Guarded by the subscriber lock. */
    final SubscriptionsByRoom subscriptions = new SubscriptionsByRoom();
    /** Guarded by the subscriber lock. */
    final TokenBucket subscribeRate;

    Subscriber(Hub hub, Peer peer, SocketCounters counters, HubLimits limits, long nowNanos) {
        this.hub = hub;
        this.peer = peer;
        this.counters = counters;
        this.maxOutstandingBytes = limits.maxOutboundBytesPerSocket();
        this.subscribeRate = new TokenBucket(limits.subscribesPerSecond(), limits.subscribeBurst(), nowNanos);
    }

    /** A process-unique number, for logs. */
    long id() {
        return id;
    }

    boolean isOpen() {
        return open;
    }

    /** Bytes handed to the peer and not yet reported written. */
    long outstandingBytes() {
        return outstandingBytes.get();
    }

    /** The adapter reports that the frame of {@code event} was written (or failed). Any thread. */
    public void writeCompleted(GatewayEvent event) {
        outstandingBytes.addAndGet(-event.sizeBytes());
        EventTrace trace = event.trace();
        if (trace != null) {
            trace.deliveryEnded(id, null);
        }
    }

    /** Rooms this subscriber is in, including those still replaying. */
    synchronized int subscriptionCount() {
        return subscriptions.size();
    }

    /**
     * Hands one event to the peer within the budget. Called under the caller's subscription lock, which
     * keeps one room's frames in order; never blocks.
     *
     * @return false when the subscriber is closed, or has just been closed for being too slow
     */
    boolean send(GatewayEvent event) {
        if (!open) {
            return false;
        }
        int size = event.sizeBytes();
        if (outstandingBytes.addAndGet(size) > maxOutstandingBytes) {
            outstandingBytes.addAndGet(-size);
            hub.closeTooSlow(this);
            return false;
        }
        EventTrace trace = event.trace();
        if (trace != null) {
            trace.deliveryStarted(counters.protocol.tag(), id);
        }
        try {
            peer.send(event);
        } catch (RuntimeException e) {
            outstandingBytes.addAndGet(-size);
            if (trace != null) {
                trace.deliveryEnded(id, e);
            }
            hub.closeBroken(this, e);
            return false;
        }
        counters.deliveries.increment();
        return true;
    }

    void closeBroken(RuntimeException cause) {
        hub.closeBroken(this, cause);
    }

    @Override
    public String toString() {
        return "Subscriber[" + id + (open ? "" : " closed") + "]";
    }
}
