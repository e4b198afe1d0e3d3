package com.escrowplatform.realtime.gateway;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.security.PartyAuthorizer;

/**
 * What every protocol adapter (native {@code /ws}, Socket.IO) calls, so that rooms, authorization, replay
 * and limits exist once: a socket opens as a {@link Subscriber}, subscribes with an optional last event id,
 * unsubscribes, closes. Protocol details (frames, acks, close codes on the wire) stay in the adapters.
 *
 * <p>A room name from a client is parsed here, once, into a {@link Room}; the hub keys its indexes by the room's
 * {@linkplain Room#name() name}, built from that {@code Room} once per subscription, never per event.
 *
 * <p>Any thread, never blocks: authorization is a non-blocking database lookup (cached), the rest is the hub.
 */
@ApplicationScoped
public class Gateway {
    private final Hub hub;
    private final PartyAuthorizer parties;
    private final GatewayConfig config;
    /** Open sockets per user on this instance; merge/computeIfPresent keep each update atomic per user. */
    private final ConcurrentHashMap<String, Integer> connectionsPerUser = new ConcurrentHashMap<>();

    public Gateway(Hub hub, PartyAuthorizer parties, GatewayConfig config) {
        this.hub = hub;
        this.parties = parties;
        this.config = config;
    }

    /**
     * Opens a subscriber for a newly authenticated socket, or returns empty when the user already holds
     * {@code max-connections-per-user} sockets here (the adapter closes with 1008). {@code protocol} labels the
     * socket in the metrics.
     */
    public Optional<Subscriber> open(Peer peer, Caller caller, SocketProtocol protocol) {
        if (connectionsPerUser.merge(caller.userId(), 1, Integer::sum) > config.maxConnectionsPerUser()) {
            release(caller);
            return Optional.empty();
        }
        return Optional.of(hub.open(peer, protocol));
    }

    /** The socket closed: leave every room and give back the user's connection slot. Once per opened subscriber. */
    public void close(Subscriber subscriber, Caller caller) {
        hub.close(subscriber);
        release(caller);
    }

    /** Joins the caller's own room {@code user:<sub>}, live from now (no reply, no replay: CONTRACT 5). */
    public void joinOwnRoom(Subscriber subscriber, Caller caller) {
        hub.subscribe(subscriber, new Room.UserRoom(caller.userId()).name(), Optional.empty(), subscribed -> {
        });
    }

    /**
     * Subscribes after checking the room's name, the caller's right to it and the last event id.
     * {@code onSubscribed} runs before any event of the room reaches the peer (the adapter sends its reply
     * there). The stage fails with a {@link GatewayException} carrying the contract's code.
     */
    public CompletionStage<Subscribed> subscribe(Subscriber subscriber, Caller caller, String room, String lastEventId,
            Consumer<Subscribed> onSubscribed) {
        Room parsed;
        try {
            parsed = Room.parse(room);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        return subscribe(subscriber, caller, parsed, lastEventId, onSubscribed);
    }

    /** {@link #subscribe(Subscriber, Caller, String, String, Consumer)} of a room that is parsed already. */
    public CompletionStage<Subscribed> subscribe(Subscriber subscriber, Caller caller, Room room, String lastEventId,
            Consumer<Subscribed> onSubscribed) {
        String name = room.name();
        Optional<StreamPosition> after;
        try {
            after = lastEventId == null ? Optional.empty() : Optional.of(position(lastEventId, name));
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        return authorize(caller, room).thenCompose(allowed -> hub.subscribe(subscriber, name, after, onSubscribed));
    }

    /** @return false when the subscriber was not in the room (a name that is no room never is) */
    public boolean unsubscribe(Subscriber subscriber, String room) {
        Room parsed;
        try {
            parsed = Room.parse(room);
        } catch (GatewayException notARoom) {
            return false;
        }
        return unsubscribe(subscriber, parsed);
    }

    /** @return false when the subscriber was not in the room */
    public boolean unsubscribe(Subscriber subscriber, Room room) {
        return hub.unsubscribe(subscriber, room.name());
    }

    private CompletionStage<Void> authorize(Caller caller, Room room) {
        if (room instanceof Room.UserRoom user) {
            return user.userId().equals(caller.userId()) ? CompletableFuture.completedFuture(null)
                    : CompletableFuture.failedFuture(
                            new GatewayException(ErrorCode.FORBIDDEN, "only your own user room may be followed"));
        }
        UUID escrowId = ((Room.EscrowRoom) room).escrowId();
        return parties.mayFollowEscrow(caller, escrowId).subscribeAsCompletionStage().thenApply(decision -> {
            switch (decision) {
                case ALLOWED:
                    return null;
                case NOT_FOUND:
                    throw new GatewayException(ErrorCode.NOT_FOUND, "no such escrow");
                default:
                    throw new GatewayException(ErrorCode.FORBIDDEN, "you are not a party of this escrow");
            }
        });
    }

    private static StreamPosition position(String lastEventId, String room) {
        EventIds.Decoded decoded = EventIds.decode(lastEventId, room);
        return decoded instanceof EventIds.OfEvent event ? event.seenThrough()
                : ((EventIds.OfStreamEnd) decoded).seenThrough();
    }

    private void release(Caller caller) {
        connectionsPerUser.computeIfPresent(caller.userId(), (user, count) -> count <= 1 ? null : count - 1);
    }
}
