package com.escrowplatform.realtime.gateway.socketio;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.escrowplatform.realtime.gateway.Gateway;
import com.escrowplatform.realtime.gateway.Subscriber;
import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.security.Caller;

/**
 * One attempt at Socket.IO connection-state recovery: a client reconnected with a {@code pid} and a signed
 * offset ({@link RecoveryTokens}), and every room of the offset is resumed after its recorded position, on this
 * instance whatever instance handed the offset out.
 *
 * <p>All or nothing: the attempt succeeds only when the offset holds the user's own room and every room
 * replays without a gap. Else (beyond the replay window, no longer allowed, limits) the socket leaves every
 * room again and connects afresh with a new pid, which the official client reports as
 * {@code socket.recovered === false}.
 *
 * <p>Until the outcome is known, live events for the socket are held here rather than sent: the CONNECT reply
 * must reach the client before any event, and a refused recovery sends none of them.
 *
 * <h2>Threads</h2>
 * {@link #start} is called without the socket's lock (it calls the gateway); the {@link Listener} runs on
 * whatever thread completes a subscription, the first method under the hub's subscription lock. {@link #hold}
 * and {@link #release} are guarded by the owning socket's lock.
 */
final class ConnectionRecovery {

    /** What the socket learns while the attempt runs. */
    interface Listener {
        /** Before any event of the room named {@code room}: the socket now stands at {@code seenThrough} in it. */
        void resumed(String room, StreamPosition seenThrough);

        /** Every room answered; {@code recovered} false when one of them could not be resumed. */
        void finished(boolean recovered);
    }

    private final RecoveryTokens.Resumable resumable;
    // guarded by the owning socket's lock
    private final List<GatewayEvent> held = new ArrayList<>();

    ConnectionRecovery(RecoveryTokens.Resumable resumable) {
        this.resumable = resumable;
    }

    RecoveryTokens.Resumable resumable() {
        return resumable;
    }

    /** Subscribes every room of the offset after its recorded position. Not under the socket's lock. */
    void start(Gateway gateway, Subscriber subscriber, Caller caller, Listener listener) {
        List<CompletableFuture<Boolean>> resumed = new ArrayList<>();
        for (Map.Entry<Room, StreamPosition> entry : resumable.rooms().entrySet()) {
            Room room = entry.getKey();
            StreamPosition seen = entry.getValue();
            resumed.add(gateway.subscribe(subscriber, caller, room, EventIds.encodePosition(room.name(), seen),
                    subscribed -> listener.resumed(room.name(), subscribed.recovered() ? seen : subscribed.seenThrough()))
                    .toCompletableFuture()
                    .handle((subscribed, failure) -> failure == null && subscribed.recovered()));
        }
        Room ownRoom = new Room.UserRoom(caller.userId());
        CompletableFuture.allOf(resumed.toArray(CompletableFuture[]::new)).whenComplete((done, failure) -> listener
                .finished(resumable.rooms().containsKey(ownRoom) && resumed.stream().allMatch(CompletableFuture::join)));
    }

    /** Under the socket's lock: an event that came before the outcome. */
    void hold(GatewayEvent event) {
        held.add(event);
    }

    /** Under the socket's lock: the held events, in the order they came; none are held afterwards. */
    List<GatewayEvent> release() {
        List<GatewayEvent> events = new ArrayList<>(held);
        held.clear();
        return events;
    }
}
