package com.escrowplatform.realtime.gateway;

import static com.escrowplatform.realtime.gateway.event.Events.TOPIC;
import static com.escrowplatform.realtime.gateway.event.Events.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.Events;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.gateway.replay.ReplayResult;
import com.escrowplatform.realtime.gateway.replay.ReplayResult.Recovered;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HubTest {

    private static final String ROOM_A = "room-0:a";
    private static final String ROOM_B = "room-1:b";
    private static final StreamPartition P0 = new StreamPartition(TOPIC, 0);

    private final RoomPartitioner partitioner = Events.partitioner(2);
    private final InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, 1000, 1 << 20);
    private final AtomicLong clock = new AtomicLong();

    private Hub hub(ColdReplay cold, HubLimits limits) {
        return new Hub(window, cold, partitioner, limits, clock::get);
    }

    private Hub hub() {
        return hub(ColdReplay.NONE, DefaultLimits.HUB);
    }

    private static Subscribed subscribe(Hub hub, RecordingPeer peer, String room, StreamPosition after) {
        return join(hub.subscribe(peer.subscriber(), room, Optional.ofNullable(after), peer::reply));
    }

    private static Subscribed join(CompletionStage<Subscribed> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static ErrorCode refusal(CompletionStage<Subscribed> stage) {
        try {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a refusal");
        } catch (ExecutionException e) {
            return ((GatewayException) e.getCause()).code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldDeliverOnlyToSubscribersOfTheEventsRoom() {
        Hub hub = hub();
        RecordingPeer inA = RecordingPeer.openOn(hub);
        RecordingPeer inB = RecordingPeer.openOn(hub);
        subscribe(hub, inA, ROOM_A, null);
        subscribe(hub, inB, ROOM_B, null);

        GatewayEvent forA = event(ROOM_A, 0, 0);
        GatewayEvent forB = event(ROOM_B, 1, 0);
        hub.publish(forA);
        hub.publish(forB);

        assertThat(inA.events()).containsExactly(forA);
        assertThat(inB.events()).containsExactly(forB);
        assertThat(hub.deliveries()).isEqualTo(2);
    }

    @Test
    void shouldAnswerAFreshSubscribeWithAPositionThatResumesWithoutLoss() {
        Hub hub = hub();
        window.startAt(P0, 0);
        hub.publish(event(ROOM_A, 0, 0));
        RecordingPeer first = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, first, ROOM_A, null);

        assertThat(reply.recovered()).isFalse();
        assertThat(reply.replayed()).isZero();
        assertThat(EventIds.decode(reply.position(), ROOM_A).seenThrough()).isEqualTo(P0.at(0));
        // The client drops before any event; what happened since is replayed from the position.
        hub.close(first.subscriber());
        GatewayEvent missed = event(ROOM_A, 0, 1);
        hub.publish(missed);
        RecordingPeer again = RecordingPeer.openOn(hub);
        Subscribed resumed = subscribe(hub, again, ROOM_A, EventIds.decode(reply.position(), ROOM_A).seenThrough());
        assertThat(resumed.recovered()).isTrue();
        assertThat(again.events()).containsExactly(missed);
    }

    @Test
    void shouldMarkAnEmptyPartitionWithOffsetMinusOne() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, null);

        assertThat(reply.seenThrough()).isEqualTo(P0.at(-1));
    }

    @Test
    void shouldSendTheReplyThenTheMissedEventsThenLiveOnes() {
        Hub hub = hub();
        GatewayEvent seen = event(ROOM_A, 0, 10);
        GatewayEvent missed1 = event(ROOM_A, 0, 11);
        GatewayEvent other = event("room-2:c", 0, 12);
        GatewayEvent missed2 = event(ROOM_A, 0, 13);
        List.of(seen, missed1, other, missed2).forEach(hub::publish);
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, seen.position());
        GatewayEvent live = event(ROOM_A, 0, 14);
        hub.publish(live);

        assertThat(reply).isEqualTo(Subscribed.of(ROOM_A, true, 2, P0.at(13)));
        assertThat(peer.frames()).containsExactly(reply, missed1, missed2, live);
        assertThat(hub.hotReplays()).isEqualTo(1);
    }

    @Test
    void shouldDropARecordTheRelayResent() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null);
        GatewayEvent original = event(ROOM_A, 0, 5, "ce-same");

        hub.publish(original);
        hub.publish(event(ROOM_A, 0, 6, "ce-other"));
        hub.publish(event(ROOM_A, 0, 7, "ce-same"));

        assertThat(peer.offsets()).containsExactly(5L, 6L);
        assertThat(hub.duplicatesDropped()).isEqualTo(1);
        RecordingPeer resuming = RecordingPeer.openOn(hub);
        subscribe(hub, resuming, ROOM_A, P0.at(4));
        assertThat(resuming.offsets()).as("a repeat is not replayed either").containsExactly(5L, 6L);
    }

    @Test
    void shouldPrimeTheWindowAndTheDedupeMemoryWithoutDelivering() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null);
        GatewayEvent lookedBack = event(ROOM_A, 0, 7, "ce-7");

        hub.prime(lookedBack);
        hub.publish(event(ROOM_A, 0, 8, "ce-7"));

        assertThat(peer.events()).isEmpty();
        assertThat(hub.duplicatesDropped()).isEqualTo(1);
        RecordingPeer resuming = RecordingPeer.openOn(hub);
        subscribe(hub, resuming, ROOM_A, P0.at(6));
        assertThat(resuming.events()).containsExactly(lookedBack);
    }

    @Test
    void shouldForgetCeIdsBeyondTheDedupeBound() {
        Hub hub = hub(ColdReplay.NONE, DefaultLimits.HUB.withDedupeIdsPerPartition(2));
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null);

        hub.publish(event(ROOM_A, 0, 1, "ce-1"));
        hub.publish(event(ROOM_A, 0, 2, "ce-2"));
        hub.publish(event(ROOM_A, 0, 3, "ce-3"));
        hub.publish(event(ROOM_A, 0, 4, "ce-1"));

        assertThat(peer.offsets()).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void shouldCloseASlowConsumerWith4008WhileOthersKeepReceiving() {
        int eventSize = event(ROOM_A, 0, 0).sizeBytes();
        Hub hub = hub(ColdReplay.NONE, DefaultLimits.HUB.withMaxOutboundBytesPerSocket(3L * eventSize));
        RecordingPeer stalled = RecordingPeer.openOn(hub, false);
        RecordingPeer healthy = RecordingPeer.openOn(hub);
        subscribe(hub, stalled, ROOM_A, null);
        subscribe(hub, stalled, ROOM_B, null);
        subscribe(hub, healthy, ROOM_A, null);

        for (long offset = 0; offset < 10; offset++) {
            hub.publish(event(ROOM_A, 0, offset));
        }

        assertThat(stalled.closeCode()).isEqualTo(CloseCodes.TOO_SLOW);
        assertThat(stalled.offsets()).containsExactly(0L, 1L, 2L);
        assertThat(stalled.subscriber().isOpen()).isFalse();
        assertThat(healthy.offsets()).hasSize(10);
        assertThat(hub.slowConsumerCloses()).isEqualTo(1);
        assertThat(hub.socketCount()).isEqualTo(1);
        assertThat(hub.subscriptionCount()).isEqualTo(1);
        assertThat(hub.roomCount()).as("room B emptied with the slow subscriber").isEqualTo(1);
    }

    @Test
    void shouldKeepASocketWhoseWritesCompleteInTime() {
        int eventSize = event(ROOM_A, 0, 0).sizeBytes();
        Hub hub = hub(ColdReplay.NONE, DefaultLimits.HUB.withMaxOutboundBytesPerSocket(2L * eventSize));
        RecordingPeer peer = RecordingPeer.openOn(hub, false);
        subscribe(hub, peer, ROOM_A, null);

        for (long offset = 0; offset < 10; offset++) {
            hub.publish(event(ROOM_A, 0, offset));
            peer.subscriber().writeCompleted(peer.events().get((int) offset));
        }

        assertThat(peer.closeCode()).isNull();
        assertThat(peer.offsets()).hasSize(10);
        assertThat(peer.subscriber().outstandingBytes()).isZero();
    }

    @Test
    void shouldResumeAPositionFromAnInstanceWhoseConsumerWasAheadWithoutDuplicates() {
        Hub hub = hub();
        hub.publish(event(ROOM_A, 0, 10));
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, P0.at(12)); // this instance has consumed up to 10
        hub.publish(event(ROOM_A, 0, 11));
        hub.publish(event(ROOM_A, 0, 12));
        hub.publish(event(ROOM_A, 0, 13));

        assertThat(reply.recovered()).isTrue();
        assertThat(reply.seenThrough()).isEqualTo(P0.at(12));
        assertThat(peer.offsets()).containsExactly(13L);
    }

    @Test
    void shouldRefuseSubscriptionsAboveThePerSocketLimit() {
        Hub hub = hub(ColdReplay.NONE, DefaultLimits.HUB.withMaxSubscriptionsPerSocket(2));
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, "room-0:1", null);
        subscribe(hub, peer, "room-0:2", null);

        ErrorCode code = refusal(hub.subscribe(peer.subscriber(), "room-0:3", Optional.empty(), peer::reply));

        assertThat(code.wireName()).isEqualTo("too_many_subscriptions");
        hub.unsubscribe(peer.subscriber(), "room-0:1");
        subscribe(hub, peer, "room-0:3", null);
    }

    @Test
    void shouldRateLimitSubscribesWithABurstThenTheSustainedRate() {
        Hub hub = hub(ColdReplay.NONE, DefaultLimits.HUB.withSubscribeRate(2, 3));
        RecordingPeer peer = RecordingPeer.openOn(hub);
        for (int i = 0; i < 3; i++) {
            subscribe(hub, peer, "room-0:" + i, null);
        }

        assertThat(refusal(hub.subscribe(peer.subscriber(), "room-0:x", Optional.empty(), peer::reply)).wireName())
                .isEqualTo("rate_limited");
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(500)); // one token at 2/s
        subscribe(hub, peer, "room-0:x", null);
        assertThat(refusal(hub.subscribe(peer.subscriber(), "room-0:y", Optional.empty(), peer::reply)))
                .isEqualTo(ErrorCode.RATE_LIMITED);
    }

    @Test
    void shouldRefuseANameThatIsNotARoom() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);

        assertThat(refusal(hub.subscribe(peer.subscriber(), "lobby", Optional.empty(), peer::reply)))
                .isEqualTo(ErrorCode.INVALID_ROOM);
        assertThat(hub.roomCount()).isZero();
    }

    @Test
    void shouldNotRecoverWhenMoreEventsWereMissedThanTheReplayLimit() {
        Hub hub = hub(ColdReplay.NONE, DefaultLimits.HUB.withMaxReplayEvents(3));
        for (long offset = 0; offset < 10; offset++) {
            hub.publish(event(ROOM_A, 0, offset));
        }
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, P0.at(2));
        hub.publish(event(ROOM_A, 0, 10));

        assertThat(reply.recovered()).isFalse();
        assertThat(reply.replayed()).isZero();
        assertThat(reply.seenThrough()).isEqualTo(P0.at(9));
        assertThat(peer.offsets()).as("no partial replay, then live").containsExactly(10L);
        assertThat(hub.unrecoveredReplays()).isEqualTo(1);
    }

    @Test
    void shouldNotRecoverAPositionOfARecreatedTopic() {
        Hub hub = hub();
        hub.publish(event(ROOM_A, 0, 3));
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, new StreamPosition(UUID.randomUUID(), 0, 1));

        assertThat(reply.recovered()).isFalse();
        assertThat(peer.events()).isEmpty();
    }

    @Test
    void shouldReplayFromTheColdReaderWhatTheWindowEvicted() {
        InMemoryReplayWindow oneEvent = new InMemoryReplayWindow(partitioner, 1, 1 << 20);
        CompletableFuture<ReplayResult> coldRead = new CompletableFuture<>();
        Hub hub = new Hub(oneEvent, (room, after, max) -> coldRead, partitioner, DefaultLimits.HUB, clock::get);
        GatewayEvent evicted = event(ROOM_A, 0, 1);
        GatewayEvent newest = event(ROOM_A, 0, 2);
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(evicted);
        hub.publish(newest);
        RecordingPeer peer = RecordingPeer.openOn(hub);
        AtomicReference<String> replyThread = new AtomicReference<>();

        CompletionStage<Subscribed> stage = hub.subscribe(peer.subscriber(), ROOM_A, Optional.of(P0.at(0)), reply -> {
            replyThread.set(Thread.currentThread().getName());
            peer.reply(reply);
        });
        hub.publish(event(ROOM_A, 0, 3));
        assertThat(peer.frames()).as("live events are held back during the replay").isEmpty();
        new Thread(() -> coldRead.complete(new Recovered(List.of(evicted, newest), 2)), "cold-reader-1").start();
        Subscribed reply = join(stage);
        hub.publish(event(ROOM_A, 0, 4));

        assertThat(reply.recovered()).isTrue();
        assertThat(reply.replayed()).isEqualTo(2);
        assertThat(peer.offsets()).containsExactly(1L, 2L, 3L, 4L);
        assertThat(replyThread.get()).as("the thread that finished the replay sends the reply")
                .isEqualTo("cold-reader-1");
        assertThat(hub.coldReplays()).isEqualTo(1);
    }

    @Test
    void shouldNotRecoverWhenTheColdReaderFails() {
        InMemoryReplayWindow oneEvent = new InMemoryReplayWindow(partitioner, 1, 1 << 20);
        Hub hub = new Hub(oneEvent, (room, after, max) -> CompletableFuture.failedFuture(new IllegalStateException("broker down")),
                partitioner, DefaultLimits.HUB, clock::get);
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(event(ROOM_A, 0, 1));
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, P0.at(-1));

        assertThat(reply.recovered()).isFalse();
        assertThat(reply.seenThrough()).isEqualTo(P0.at(1));
        assertThat(peer.events()).isEmpty();
    }

    @Test
    void shouldNotRecoverWhenAColdReplayStopsShortOfTheWindow() {
        // Guards the seam: a cold read ending below what the live consumer had appended would leave a gap.
        InMemoryReplayWindow oneEvent = new InMemoryReplayWindow(partitioner, 1, 1 << 20);
        GatewayEvent e1 = event(ROOM_A, 0, 1);
        Hub hub = new Hub(oneEvent, (room, after, max) -> CompletableFuture.completedFuture(new Recovered(List.of(e1), 1)),
                partitioner, DefaultLimits.HUB, clock::get);
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(e1);
        hub.publish(event(ROOM_A, 0, 2));
        RecordingPeer peer = RecordingPeer.openOn(hub);

        Subscribed reply = subscribe(hub, peer, ROOM_A, P0.at(0));

        assertThat(reply.recovered()).isFalse();
        assertThat(peer.events()).isEmpty();
    }

    @Test
    void shouldGoLiveUnrecoveredWhenHeldBackEventsOverflow() {
        InMemoryReplayWindow oneEvent = new InMemoryReplayWindow(partitioner, 1, 1 << 20);
        CompletableFuture<ReplayResult> coldRead = new CompletableFuture<>();
        Hub hub = new Hub(oneEvent, (room, after, max) -> coldRead, partitioner,
                DefaultLimits.HUB.withMaxHeldBackEvents(2), clock::get);
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(event(ROOM_A, 0, 1));
        RecordingPeer peer = RecordingPeer.openOn(hub);
        CompletionStage<Subscribed> stage = hub.subscribe(peer.subscriber(), ROOM_A, Optional.of(P0.at(-1)), peer::reply);
        for (long offset = 2; offset < 6; offset++) {
            hub.publish(event(ROOM_A, 0, offset));
        }

        coldRead.complete(new Recovered(List.of(event(ROOM_A, 0, 0), event(ROOM_A, 0, 1)), 1));
        Subscribed reply = join(stage);
        hub.publish(event(ROOM_A, 0, 6));

        assertThat(reply.recovered()).isFalse();
        assertThat(reply.seenThrough()).isEqualTo(P0.at(5));
        assertThat(peer.offsets()).containsExactly(6L);
    }

    @Test
    void shouldCancelAReplayWhenTheSocketClosesMeanwhile() {
        InMemoryReplayWindow oneEvent = new InMemoryReplayWindow(partitioner, 1, 1 << 20);
        CompletableFuture<ReplayResult> coldRead = new CompletableFuture<>();
        Hub hub = new Hub(oneEvent, (room, after, max) -> coldRead, partitioner, DefaultLimits.HUB, clock::get);
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(event(ROOM_A, 0, 1));
        RecordingPeer peer = RecordingPeer.openOn(hub);
        CompletionStage<Subscribed> stage = hub.subscribe(peer.subscriber(), ROOM_A, Optional.of(P0.at(-1)), peer::reply);

        hub.close(peer.subscriber());
        coldRead.complete(new Recovered(List.of(event(ROOM_A, 0, 0), event(ROOM_A, 0, 1)), 1));

        assertThat(stage.toCompletableFuture()).isCompletedExceptionally();
        assertThat(stage.toCompletableFuture().handle((ok, failure) -> failure).join())
                .isInstanceOf(CancellationException.class);
        assertThat(peer.frames()).isEmpty();
        assertThat(hub.roomCount()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
    }

    @Test
    void shouldStopDeliveringAfterUnsubscribeAndForgetTheEmptyRoom() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null);
        hub.publish(event(ROOM_A, 0, 0));

        assertThat(hub.unsubscribe(peer.subscriber(), ROOM_A)).isTrue();
        hub.publish(event(ROOM_A, 0, 1));

        assertThat(peer.offsets()).containsExactly(0L);
        assertThat(hub.unsubscribe(peer.subscriber(), ROOM_A)).isFalse();
        assertThat(hub.roomCount()).isZero();
        assertThat(hub.subscriptionCount()).isZero();
        assertThat(hub.socketCount()).isEqualTo(1);
        hub.close(peer.subscriber());
        assertThat(hub.socketCount()).isZero();
    }

    @Test
    void shouldAnswerASecondSubscribeToTheSameRoomWithoutReplayingAgain() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null);
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(event(ROOM_A, 0, 1));

        Subscribed again = subscribe(hub, peer, ROOM_A, P0.at(-1));

        // everything after -1 reached this socket live already: nothing missed, nothing sent twice
        assertThat(again.recovered()).isTrue();
        assertThat(again.replayed()).isZero();
        assertThat(again.seenThrough()).isEqualTo(P0.at(1));
        assertThat(peer.offsets()).containsExactly(0L, 1L);
        assertThat(hub.subscriptionCount()).isEqualTo(1);
    }

    /** Guards resuming the own user room, joined live at open: recovered only when nothing was missed before. */
    @Test
    void shouldRecoverASecondSubscribeOnlyWhenTheClientMissedNothingBeforeTheRoomWentLive() {
        Hub hub = hub();
        hub.publish(event(ROOM_A, 0, 0));
        hub.publish(event(ROOM_A, 0, 1));
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null); // live from offset 1 on
        hub.publish(event(ROOM_A, 0, 2));

        assertThat(subscribe(hub, peer, ROOM_A, P0.at(1)).recovered()).isTrue();
        assertThat(subscribe(hub, peer, ROOM_A, P0.at(0)).recovered()).isFalse();
        assertThat(peer.offsets()).containsExactly(2L);
    }

    // Guards resuming a room joined without replay (the own user room on open) before any of its events arrived.
    @Test
    void shouldReplayIntoARoomJoinedWithoutReplayWhileItHasHandedOverNothing() {
        Hub hub = hub();
        window.startAt(P0, 0);
        GatewayEvent missed = event(ROOM_A, 0, 0);
        hub.publish(missed);
        RecordingPeer peer = RecordingPeer.openOn(hub);
        subscribe(hub, peer, ROOM_A, null);

        Subscribed resumed = subscribe(hub, peer, ROOM_A, P0.at(-1));
        GatewayEvent live = event(ROOM_A, 0, 1);
        hub.publish(live);

        assertThat(resumed.recovered()).isTrue();
        assertThat(resumed.replayed()).isEqualTo(1);
        assertThat(peer.events()).containsExactly(missed, live);
        assertThat(hub.subscriptionCount()).isEqualTo(1);
        assertThat(hub.roomCount()).isEqualTo(1);
    }

    @Test
    void shouldCloseTheSocketWhenItsPeerThrows() {
        Hub hub = hub();
        RecordingPeer healthy = RecordingPeer.openOn(hub);
        AtomicReference<Integer> closed = new AtomicReference<>();
        Subscriber broken = hub.open(new Peer() {
            @Override
            public void send(GatewayEvent event) {
                throw new IllegalStateException("adapter bug");
            }

            @Override
            public void close(int closeCode, String reason) {
                closed.set(closeCode);
            }
        }, SocketProtocol.SOCKETIO);
        join(hub.subscribe(broken, ROOM_A, Optional.empty(), reply -> { }));
        subscribe(hub, healthy, ROOM_A, null);

        hub.publish(event(ROOM_A, 0, 0));

        assertThat(closed.get()).isEqualTo(CloseCodes.INTERNAL_ERROR);
        assertThat(healthy.offsets()).containsExactly(0L);
        assertThat(hub.socketCount()).isEqualTo(1);
        assertThat(hub.brokenPeerCloses()).as("counted for the escrow_gateway_broken_peer_closes_total metric")
                .isEqualTo(1);
        // counted under the protocol of the socket that broke
        assertThat(hub.counters(SocketProtocol.SOCKETIO).brokenPeerCloses()).isEqualTo(1);
        assertThat(hub.counters(SocketProtocol.NATIVE).brokenPeerCloses()).isZero();
        assertThat(hub.counters(SocketProtocol.NATIVE).deliveries()).isEqualTo(1);
    }

    /** The protocol tag of the gateway's socket series: each socket is counted under the protocol it opened with. */
    @Test
    void shouldCountSocketsSubscriptionsAndDeliveriesByProtocol() {
        Hub hub = hub();
        RecordingPeer nativePeer = RecordingPeer.openOn(hub);
        RecordingPeer socketIoPeer = RecordingPeer.openOn(hub, true, SocketProtocol.SOCKETIO);
        subscribe(hub, nativePeer, ROOM_A, null);
        subscribe(hub, socketIoPeer, ROOM_A, null);
        subscribe(hub, socketIoPeer, ROOM_B, null);

        GatewayEvent first = event(ROOM_A, 0, 0);
        hub.publish(first);
        hub.publish(event(ROOM_A, 0, 1));
        RecordingPeer resuming = RecordingPeer.openOn(hub, true, SocketProtocol.SOCKETIO);
        subscribe(hub, resuming, ROOM_A, first.position());

        SocketCounters nativeCounters = hub.counters(SocketProtocol.NATIVE);
        SocketCounters socketIoCounters = hub.counters(SocketProtocol.SOCKETIO);
        assertThat(nativeCounters.openSockets()).isEqualTo(1);
        assertThat(socketIoCounters.openSockets()).isEqualTo(2);
        assertThat(nativeCounters.subscriptions()).isEqualTo(1);
        assertThat(socketIoCounters.subscriptions()).isEqualTo(3);
        assertThat(nativeCounters.deliveries()).isEqualTo(2);
        assertThat(socketIoCounters.deliveries()).as("two live, one replayed").isEqualTo(3);
        assertThat(hub.deliveries()).isEqualTo(5);
        assertThat(socketIoCounters.hotReplays()).isEqualTo(1);
        assertThat(nativeCounters.hotReplays()).isZero();

        hub.close(socketIoPeer.subscriber());
        assertThat(socketIoCounters.openSockets()).isEqualTo(1);
        assertThat(socketIoCounters.subscriptions()).isEqualTo(1);
        assertThat(nativeCounters.openSockets()).isEqualTo(1);
        assertThat(hub.socketCount()).isEqualTo(2);
    }

    @Test
    void shouldRefuseSubscribesOnAClosedSocket() {
        Hub hub = hub();
        RecordingPeer peer = RecordingPeer.openOn(hub);
        hub.close(peer.subscriber());

        assertThat(refusal(hub.subscribe(peer.subscriber(), ROOM_A, Optional.empty(), peer::reply)))
                .isEqualTo(ErrorCode.BAD_REQUEST);
        assertThat(hub.roomCount()).isZero();
    }
}
