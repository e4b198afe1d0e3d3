package com.escrowplatform.realtime.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * One subscriber in one room. It starts out replaying: live events for the room are held back, because the
 * client must first get what it missed, then what happened meanwhile, each exactly once and in order. When
 * the replay is known, {@link #goLive} sends the reply, the replayed events, the held-back events above the
 * last replayed offset, and from then on live events go straight through.
 *
 * <p><b>Threads</b>: {@link #offer} runs on the live consumer thread; {@link #goLive} on the thread that
 * finished the replay (an event loop, or a cold-replay reader); {@link #cancel} on an event loop. All three
 * hold this object's monitor ("the subscription lock") while they touch the state and while they hand frames
 * to the peer, which is what keeps the room's frames in offset order across those threads. Sends never
 * block, so the lock is held briefly; see {@link Subscriber} for the lock order.
 */
final class Subscription {

    final Subscriber subscriber;
    final String room;
    final StreamPartition stream;
    /** Completed once by the hub when the subscription goes live (or cannot), then dropped: see {@link #takeResult}. */
    private CompletableFuture<Subscribed> result = new CompletableFuture<>();
    /** The adapter's reply callback; dropped once used so it does not live as long as the socket. */
    private Consumer<Subscribed> onSubscribed;
    private final int maxHeldBack;

    /** Set without the lock when the subscriber closes: every later send checks it under the lock. */
    private volatile boolean removed;
    // Guarded by this:
    /** Live events arriving during the replay; null once live. */
    private List<GatewayEvent> heldBack = new ArrayList<>();
    /** Newest event dropped because heldBack was full; null if none. */
    private StreamPosition overflowedThrough;
    /** Everything of the room up to here was delivered or is known not to exist; set when going live. */
    private StreamPosition deliveredThrough;
    /** Where the subscription went live: every later event was delivered live. */
    private StreamPosition liveFrom;
    /** An event of the room was handed to the peer (replayed or live). */
    private boolean handedOverAny;

    Subscription(Subscriber subscriber, String room, StreamPartition stream, Consumer<Subscribed> onSubscribed,
            int maxHeldBack) {
        this.subscriber = subscriber;
        this.room = room;
        this.stream = stream;
        this.onSubscribed = onSubscribed;
        this.maxHeldBack = maxHeldBack;
    }

    /** What the subscribe that made this subscription answers. Before {@link #takeResult} only. */
    synchronized CompletableFuture<Subscribed> result() {
        return result;
    }

    /** Hands the result over for completion, once; the subscription does not keep it (nor its reply) for its life. */
    synchronized CompletableFuture<Subscribed> takeResult() {
        CompletableFuture<Subscribed> taken = result;
        result = null;
        return taken;
    }

    /** A live event of the room. Consumer thread. */
    synchronized void offer(GatewayEvent event) {
        if (removed) {
            return;
        }
        if (heldBack == null) {
            deliverLive(event);
        } else if (overflowedThrough == null && heldBack.size() < maxHeldBack) {
            heldBack.add(event);
        } else {
            // Too far behind to merge: drop, and go live with recovered:false (the client reloads).
            heldBack.clear();
            overflowedThrough = event.position();
        }
    }

    /**
     * Ends the replay: replies, sends {@code replay} (every missed event, in order), then the held-back
     * events above {@code through}, and goes live.
     *
     * @param replay    the missed events; empty unless {@code recovered}
     * @param through   the replay covers the room up to and including this position
     * @return the reply, or null when the subscription was removed meanwhile (nothing is sent then)
     */
    synchronized Subscribed goLive(List<GatewayEvent> replay, StreamPosition through, boolean recovered) {
        if (removed || heldBack == null) {
            return null;
        }
        if (overflowedThrough != null) {
            replay = List.of();
            recovered = false;
            through = overflowedThrough.sameStreamAs(through) && overflowedThrough.offset() < through.offset()
                    ? through : overflowedThrough;
        }
        Subscribed reply = Subscribed.of(room, recovered, replay.size(), through);
        Consumer<Subscribed> listener = onSubscribed;
        onSubscribed = null;
        if (!tell(listener, reply)) {
            return null;
        }
        handedOverAny = !replay.isEmpty();
        for (GatewayEvent event : replay) {
            if (!subscriber.send(event)) {
                break;
            }
        }
        deliveredThrough = through;
        liveFrom = through;
        List<GatewayEvent> held = heldBack;
        heldBack = null;
        for (GatewayEvent event : held) {
            deliverLive(event);
        }
        return reply;
    }

    /**
     * Answers a second subscribe to a room the subscriber is already in: nothing is replayed (the events are
     * flowing already), and the reply's position is what was delivered so far. With {@code after} at or past
     * where this subscription went live, the client missed nothing: {@code recovered:true}. Older than that,
     * the events in between would arrive after newer live ones, out of order: {@code recovered:false}, and
     * the client reloads (for the user room: the notifications over REST).
     *
     * @return the reply, or null while the first subscribe is still replaying
     */
    synchronized Subscribed subscribeAgain(Consumer<Subscribed> onAgain, Optional<StreamPosition> after) {
        if (removed || heldBack != null) {
            return null;
        }
        boolean missedNothing = after.isPresent() && after.get().sameStreamAs(liveFrom)
                && after.get().offset() >= liveFrom.offset();
        Subscribed reply = Subscribed.of(room, missedNothing, 0, deliveredThrough);
        return tell(onAgain, reply) ? reply : null;
    }

    /**
     * Makes way for a resuming subscribe to the same room, if this subscription is live and has handed no event
     * to the peer: then a replay cannot repeat anything the client got from it. Takes the lock, so no frame of
     * the room follows once this returns true. Any thread.
     */
    synchronized boolean retireIfNothingHandedOver() {
        if (removed || heldBack != null || handedOverAny) {
            return false;
        }
        removed = true;
        onSubscribed = null;
        return true;
    }

    /** Unsubscribe: takes the lock, so no frame of the room follows once this returns. Event loop. */
    synchronized void cancel() {
        removed = true;
        heldBack = null;
        onSubscribed = null;
    }

    /** The subscriber closed: no lock needed, a send to a closed subscriber is refused anyway. */
    void markRemoved() {
        removed = true;
    }

    private void deliverLive(GatewayEvent event) {
        StreamPosition position = event.position();
        // Skips what the replay already covered; also what a cold replay read past the live consumer.
        if (deliveredThrough != null && position.sameStreamAs(deliveredThrough)
                && position.offset() <= deliveredThrough.offset()) {
            return;
        }
        deliveredThrough = position;
        handedOverAny = true;
        subscriber.send(event);
    }

    private boolean tell(Consumer<Subscribed> listener, Subscribed reply) {
        if (!subscriber.open) {
            return false;
        }
        try {
            listener.accept(reply);
            return true;
        } catch (RuntimeException e) {
            subscriber.closeBroken(e);
            return false;
        }
    }
}
