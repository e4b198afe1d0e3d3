package com.escrowplatform.realtime.gateway;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.ReplayResult;
import com.escrowplatform.realtime.gateway.replay.ReplayWindow;

/**
 * Rooms and their local subscribers: fans each consumed event out to the sockets of this instance, resumes
 * reconnecting clients from the replay window (or a cold reader) without gap or duplicate, and enforces the
 * per-socket limits. Knows no transport: adapters register a {@link Peer} per socket.
 *
 * <h2>Threads</h2>
 * <ul>
 *   <li>{@link #publish} and {@link #prime}: the single live-consumer thread, in offset order per partition.
 *       It never blocks and never waits for a write: a socket that cannot take an event within its byte
 *       budget is closed with 4008 instead.</li>
 *   <li>{@link #open}, {@link #subscribe}, {@link #unsubscribe}, {@link #close}: any thread, typically the
 *       socket's event loop, many at once.</li>
 *   <li>Cold replays complete on a reader's thread, or on the cold path's timer thread at their deadline;
 *       {@link Subscriber#writeCompleted} arrives from event loops.</li>
 * </ul>
 * Lock order (see {@link Subscriber}): subscription lock, then subscriber lock, then a room's index bin.
 */
public final class Hub {


    private static final System.Logger LOG = System.getLogger(Hub.class.getName());

    private final ReplayWindow window;
    private final ColdReplay coldReplay;
    private final RoomPartitioner partitioner;
    private final HubLimits limits;
    private final LongSupplier nanoClock;
    private final RoomIndex rooms = new RoomIndex();
    /** Per protocol, filled in the constructor, read-only after: a subscriber takes its protocol's at open. */
    private final Map<SocketProtocol, SocketCounters> counters = new EnumMap<>(SocketProtocol.class);
    /** Consumer thread only. */
    private final RecentCeIds recentCeIds;

    private final LongAdder duplicatesDropped = new LongAdder();

    /**
     * @param window      recent events; the hub appends every published event to it
     * @param coldReplay  replays what the window no longer holds ({@link ColdReplay#NONE} until one exists)
     * @param partitioner where each room's events live
     * @param limits      per-socket limits ({@link HubLimits#from})
     */
    public Hub(ReplayWindow window, ColdReplay coldReplay, RoomPartitioner partitioner, HubLimits limits) {
        this(window, coldReplay, partitioner, limits, System::nanoTime);
    }

    Hub(ReplayWindow window, ColdReplay coldReplay, RoomPartitioner partitioner, HubLimits limits,
            LongSupplier nanoClock) {
        this.window = Objects.requireNonNull(window, "window");
        this.coldReplay = Objects.requireNonNull(coldReplay, "coldReplay");
        this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.nanoClock = nanoClock;
        this.recentCeIds = new RecentCeIds(limits.dedupeIdsPerPartition());
        for (SocketProtocol protocol : SocketProtocol.values()) {
            counters.put(protocol, new SocketCounters(protocol));
        }
    }

    /** Registers a socket of {@code protocol}. Any thread. */
    Subscriber open(Peer peer, SocketProtocol protocol) {
        SocketCounters counted = counters.get(Objects.requireNonNull(protocol, "protocol"));
        Subscriber subscriber = new Subscriber(this, Objects.requireNonNull(peer, "peer"), counted, limits,
                nanoClock.getAsLong());
        counted.openSockets.incrementAndGet();
        return subscriber;
    }

    /**
     * Delivers a consumed event to every local subscriber of its room, once: a repeat of a recent
     * {@code ce_id} is dropped. Live-consumer thread only.
     *
     * <p>Never blocks on I/O and never waits for a write. The only wait is for a subscription's lock while
     * another thread hands that subscription its replay (at most {@link HubLimits#maxReplayEvents()}
     * non-blocking sends): the price of keeping the room's frames in order.
     */
    public void publish(GatewayEvent event) {
        if (!recentCeIds.firstSighting(event)) {
            duplicatesDropped.increment();
            return;
        }
        // Append before fan-out, on this one thread: the seam in subscribe() relies on every event being in
        // the window before any subscriber can miss it live.
        window.append(event);
        for (Subscription subscription : rooms.subscribersOf(event.room())) {
            subscription.offer(event);
        }
    }

    /**
     * Records an event read before this instance accepts sockets (a look-back at startup) into the replay
     * window and the dedupe memory, delivering it to no one. Live-consumer thread only.
     */
    public void prime(GatewayEvent event) {
        if (recentCeIds.firstSighting(event)) {
            window.append(event);
        }
    }

    /**
     * Joins {@code subscriber} to {@code room}, resuming after {@code after} when given.
     *
     * <p>{@code onSubscribed} receives the reply exactly once, before any replayed or live event of the room
     * is handed to the peer, on whichever thread finishes the replay; the adapter sends its
     * {@code subscribed} frame (or Socket.IO ack) from there, without blocking. The returned stage completes
     * with the same reply after that, or exceptionally with a {@link GatewayException} carrying the
     * contract's code ({@code invalid_room}, {@code rate_limited}, {@code too_many_subscriptions},
     * {@code bad_request}) and then {@code onSubscribed} is never called; or with a
     * {@link CancellationException} when the subscriber closed or left the room before the replay finished.
     *
     * <p>With {@code after}: every event of the room above it follows the reply once and in order
     * ({@code recovered:true}), or, when that is impossible, none does ({@code recovered:false}) and the
     * subscription is live from its registration. Without: {@code recovered:false}, live from registration.
     * Subscribing to a room the subscriber is already in: with {@code after}, while that subscription has handed
     * over no event yet (the own user room right after open), it is replaced by one that resumes from
     * {@code after}. Otherwise nothing is replayed: {@code recovered:true} when {@code after} shows the client
     * missed nothing before the subscription went live, else {@code recovered:false}; the position is what was
     * delivered so far.
     */
    CompletionStage<Subscribed> subscribe(Subscriber subscriber, String room, Optional<StreamPosition> after,
            Consumer<Subscribed> onSubscribed) {
        Objects.requireNonNull(subscriber, "subscriber");
        Objects.requireNonNull(after, "after");
        Objects.requireNonNull(onSubscribed, "onSubscribed");
        StreamPartition stream;
        try {
            stream = partitioner.partitionOf(room);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        Subscription subscription = null;
        Subscription existing;
        synchronized (subscriber) {
            if (!subscriber.open) {
                return refused(ErrorCode.BAD_REQUEST, "the socket is closed");
            }
            if (!subscriber.subscribeRate.tryTake(nanoClock.getAsLong())) {
                return refused(ErrorCode.RATE_LIMITED, "too many subscribe requests; slow down");
            }
            existing = subscriber.subscriptions.get(room);
            if (existing == null) {
                if (subscriber.subscriptions.size() >= limits.maxSubscriptionsPerSocket()) {
                    return refused(ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                            "at most " + limits.maxSubscriptionsPerSocket() + " subscriptions per connection");
                }
                subscription = new Subscription(subscriber, room, stream, onSubscribed, limits.maxHeldBackEvents());
                subscriber.subscriptions.add(subscription);
                rooms.add(subscription);
                subscriber.counters.subscriptions.incrementAndGet();
            }
        }
        if (existing != null) {
            // Outside the subscriber lock: taking a subscription lock inside it would invert the lock order.
            if (after.isPresent() && existing.retireIfNothingHandedOver()) {
                // A resume into a room joined without replay (the own user room, joined on open) that has had
                // no event yet: the new subscription replays from the client's id instead.
                subscription = replace(subscriber, existing, onSubscribed);
                if (subscription == null) {
                    return refused(ErrorCode.BAD_REQUEST, "the subscription to " + room + " ended meanwhile; retry");
                }
                CompletionStage<Subscribed> result = subscription.result();
                replayAndGoLive(subscription, after);
                return result;
            }
            Subscribed again = existing.subscribeAgain(onSubscribed, after);
            return again != null ? CompletableFuture.completedFuture(again)
                    : refused(ErrorCode.BAD_REQUEST, "a subscribe to " + room + " is still in progress");
        }
        CompletionStage<Subscribed> result = subscription.result();
        replayAndGoLive(subscription, after);
        return result;
    }

    /** Swaps a retired subscription for a new, replaying one in both indexes; null if the subscriber left meanwhile. */
    private Subscription replace(Subscriber subscriber, Subscription retired, Consumer<Subscribed> onSubscribed) {
        synchronized (subscriber) {
            if (!subscriber.open || !subscriber.subscriptions.remove(retired)) {
                return null;
            }
            rooms.remove(retired);
            Subscription fresh = new Subscription(subscriber, retired.room, retired.stream, onSubscribed,
                    limits.maxHeldBackEvents());
            subscriber.subscriptions.add(fresh);
            rooms.add(fresh);
            return fresh;
        }
    }

    /**
     * Leaves a room. Once this returns no further frame of the room is handed to the peer, so the adapter can
     * send its {@code unsubscribed} reply right after. Any thread.
     *
     * @return false when the subscriber was not in the room
     */
    boolean unsubscribe(Subscriber subscriber, String room) {
        Subscription subscription;
        synchronized (subscriber) {
            subscription = subscriber.subscriptions.remove(room);
            if (subscription == null) {
                return false;
            }
            rooms.remove(subscription);
            subscriber.counters.subscriptions.decrementAndGet();
        }
        subscription.cancel(); // waits out a send in progress; outside the subscriber lock (lock order)
        return true;
    }

    /** Forgets a socket that closed, leaving all its rooms. Idempotent; any thread. */
    void close(Subscriber subscriber) {
        detach(subscriber);
    }

    // --- the seam -------------------------------------------------------------------------------------------

    private void replayAndGoLive(Subscription subscription, Optional<StreamPosition> after) {
        // Why registering first makes this safe. The subscription is in the room index now, and holds back
        // every event the consumer publishes for the room from here on. The window is read only after that,
        // under the window's lock, which the consumer also takes to append an event before publishing it.
        // So each event was either appended before our read (it is in the replay, or at or below endAtJoin)
        // or is published after our registration is visible to the consumer (it is held back). None falls in
        // between; one in both is sent once, because held-back events at or below the replay's end are skipped.
        long endAtJoin = window.endOffset(subscription.stream);
        if (after.isEmpty()) {
            finish(subscription, null, null, endAtJoin, null);
            return;
        }
        StreamPosition from = after.get();
        ReplayResult hot = window.replay(subscription.room, from, limits.maxReplayEvents());
        if (!(hot instanceof ReplayResult.NotInWindow)) {
            finish(subscription, from, hot, endAtJoin, counted -> counted.hotReplays);
            return;
        }
        CompletionStage<ReplayResult> cold;
        try {
            cold = coldReplay.replay(subscription.room, from, limits.maxReplayEvents());
        } catch (RuntimeException e) {
            cold = CompletableFuture.failedFuture(e);
        }
        cold.whenComplete((result, failure) -> {
            if (failure != null) {
                LOG.log(System.Logger.Level.WARNING, "cold replay of " + subscription.room + " failed", failure);
            }
            finish(subscription, from, failure == null && result != null ? result
                    : new ReplayResult.Unrecoverable(ReplayResult.Reason.READ_FAILED), endAtJoin,
                    counted -> counted.coldReplays);
        });
    }

    /** Sends the reply and the replay (or not), then makes the subscription live. Any thread. */
    private void finish(Subscription subscription, StreamPosition after, ReplayResult result, long endAtJoin,
            Function<SocketCounters, LongAdder> recoveredCounter) {
        Subscribed reply = null;
        try {
            if (after != null && result instanceof ReplayResult.Recovered recovered
                    && coversTheSeam(subscription, after, recovered, endAtJoin)) {
                StreamPosition through = subscription.stream.at(Math.max(recovered.lastOffset(), after.offset()));
                List<GatewayEvent> missed = missedEvents(subscription, recovered.events(), after, through);
                reply = subscription.goLive(missed, through, true);
            } else {
                reply = subscription.goLive(List.of(), subscription.stream.at(endAtJoin), false);
            }
        } catch (RuntimeException e) {
            closeBroken(subscription.subscriber, e);
        }
        CompletableFuture<Subscribed> answer = subscription.takeResult();
        if (reply == null) {
            answer.completeExceptionally(new CancellationException("the subscription ended before it went live"));
            return;
        }
        if (after != null) {
            SocketCounters counted = subscription.subscriber.counters;
            (reply.recovered() ? recoveredCounter.apply(counted) : counted.unrecoveredReplays).increment();
        }
        answer.complete(reply);
    }

    /**
     * A replay can be merged with the held-back events only if it is of the subscription's stream, within the
     * replay limit, and reaches at least the window's end at registration: held-back events start at or below
     * that end, so anything short of it could leave a gap (see {@link ColdReplay}).
     */
    private boolean coversTheSeam(Subscription subscription, StreamPosition after, ReplayResult.Recovered recovered,
            long endAtJoin) {
        return after.stream().equals(subscription.stream)
                && recovered.events().size() <= limits.maxReplayEvents()
                && recovered.lastOffset() >= endAtJoin;
    }

    /**
     * The room's events in ({@code after}, {@code through}], in order, each {@code ce_id} once: what the
     * window returns already; a check on a cold reader, whose mistakes would otherwise reach clients.
     */
    private static List<GatewayEvent> missedEvents(Subscription subscription, List<GatewayEvent> events,
            StreamPosition after, StreamPosition through) {
        List<GatewayEvent> missed = new ArrayList<>(events.size());
        Set<String> ceIds = new HashSet<>();
        long last = after.offset();
        for (GatewayEvent event : events) {
            StreamPosition position = event.position();
            if (event.room().equals(subscription.room) && position.sameStreamAs(after) && position.offset() > last
                    && position.offset() <= through.offset() && ceIds.add(event.ceId())) {
                missed.add(event);
                last = position.offset();
            }
        }
        return missed;
    }

    // --- closing --------------------------------------------------------------------------------------------

    /** Called by a send that would exceed the subscriber's budget, under a subscription lock. */
    void closeTooSlow(Subscriber subscriber) {
        if (detach(subscriber)) {
            subscriber.counters.slowConsumerCloses.increment();
            closePeer(subscriber, CloseCodes.TOO_SLOW, "too slow");
        }
    }

    /** The adapter threw while the hub handed it something: the socket is in an unknown state. */
    void closeBroken(Subscriber subscriber, RuntimeException cause) {
        if (detach(subscriber)) {
            subscriber.counters.brokenPeerCloses.increment();
            LOG.log(System.Logger.Level.WARNING, "closing " + subscriber + ": its peer failed", cause);
            closePeer(subscriber, CloseCodes.INTERNAL_ERROR, "internal error");
        }
    }

    /** Removes the subscriber from both indexes. True for the one call that did it. */
    private boolean detach(Subscriber subscriber) {
        List<Subscription> left;
        synchronized (subscriber) {
            if (!subscriber.open) {
                return false;
            }
            subscriber.open = false;
            left = subscriber.subscriptions.clear();
            for (Subscription subscription : left) {
                rooms.remove(subscription);
            }
            subscriber.counters.subscriptions.addAndGet(-left.size());
        }
        subscriber.counters.openSockets.decrementAndGet();
        for (Subscription subscription : left) {
            // Not cancel(): this may run under another subscription's lock, and sends to a closed subscriber
            // are refused anyway.
            subscription.markRemoved();
        }
        return true;
    }

    private static void closePeer(Subscriber subscriber, int code, String reason) {
        try {
            subscriber.peer.close(code, reason);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + subscriber + " failed", e);
        }
    }

    private static CompletionStage<Subscribed> refused(ErrorCode code, String message) {
        return CompletableFuture.failedFuture(new GatewayException(code, message));
    }

    // --- gauges and counters (for metrics) ------------------------------------------------------------------

    public int roomCount() {
        return rooms.roomCount();
    }

    /** The figures of one protocol's sockets (the {@code protocol} tag of their series). */
    public SocketCounters counters(SocketProtocol protocol) {
        return counters.get(protocol);
    }

    /** Open sockets, all protocols. */
    public int socketCount() {
        return (int) sum(SocketCounters::openSockets);
    }

    /** Room subscriptions of the open sockets, all protocols. */
    public int subscriptionCount() {
        return (int) sum(SocketCounters::subscriptions);
    }

    /** Frames handed to peers, replays included, all protocols. */
    public long deliveries() {
        return sum(SocketCounters::deliveries);
    }

    /** Events dropped by {@link #publish} as repeats of a recent {@code ce_id}. */
    public long duplicatesDropped() {
        return duplicatesDropped.sum();
    }

    /** Sockets closed with 4008, all protocols. */
    public long slowConsumerCloses() {
        return sum(SocketCounters::slowConsumerCloses);
    }

    /** Sockets closed because their adapter threw, all protocols. */
    public long brokenPeerCloses() {
        return sum(SocketCounters::brokenPeerCloses);
    }

    private long sum(ToLongFunction<SocketCounters> figure) {
        return counters.values().stream().mapToLong(figure).sum();
    }

    /** Resumes served from the replay window. */
    public long hotReplays() {
        return sum(SocketCounters::hotReplays);
    }

    /** Resumes served by the cold reader. */
    public long coldReplays() {
        return sum(SocketCounters::coldReplays);
    }

    /** Resumes answered with {@code recovered:false}. */
    public long unrecoveredReplays() {
        return sum(SocketCounters::unrecoveredReplays);
    }
}
