package com.escrowplatform.realtime.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * A stub socket: records replies and events in the order the hub hands them over. Writes complete at once
 * unless {@code completeWrites} is false (a client that stopped reading).
 */
public final class RecordingPeer implements Peer {

    private final List<Object> frames = new ArrayList<>();
    private final boolean completeWrites;
    private volatile Hub hub;
    private volatile Subscriber subscriber;
    private volatile Integer closeCode;

    RecordingPeer(boolean completeWrites) {
        this.completeWrites = completeWrites;
    }

    public static RecordingPeer openOn(Hub hub) {
        return openOn(hub, true);
    }

    static RecordingPeer openOn(Hub hub, boolean completeWrites) {
        return openOn(hub, completeWrites, SocketProtocol.NATIVE);
    }

    static RecordingPeer openOn(Hub hub, boolean completeWrites, SocketProtocol protocol) {
        RecordingPeer peer = new RecordingPeer(completeWrites);
        peer.hub = hub;
        peer.subscriber = hub.open(peer, protocol);
        return peer;
    }

    Subscriber subscriber() {
        return subscriber;
    }

    /** Subscribes this peer's subscriber on the hub it was opened on: {@link Hub#subscribe}, for tests of other packages. */
    public CompletionStage<Subscribed> subscribe(String room, Optional<StreamPosition> after,
            Consumer<Subscribed> onSubscribed) {
        return hub.subscribe(subscriber, room, after, onSubscribed);
    }

    /** Use as {@code onSubscribed}: records the reply among the frames. */
    public void reply(Subscribed subscribed) {
        synchronized (frames) {
            frames.add(subscribed);
        }
    }

    @Override
    public void send(GatewayEvent event) {
        synchronized (frames) {
            frames.add(event);
        }
        if (completeWrites) {
            subscriber.writeCompleted(event);
        }
    }

    @Override
    public void close(int code, String reason) {
        closeCode = code;
    }

    Integer closeCode() {
        return closeCode;
    }

    public List<Object> frames() {
        synchronized (frames) {
            return new ArrayList<>(frames);
        }
    }

    public List<GatewayEvent> events() {
        List<GatewayEvent> events = new ArrayList<>();
        for (Object frame : frames()) {
            if (frame instanceof GatewayEvent event) {
                events.add(event);
            }
        }
        return events;
    }

    public List<Long> offsets() {
        return events().stream().map(e -> e.position().offset()).toList();
    }

    long lastOffset() {
        List<GatewayEvent> events = events();
        return events.isEmpty() ? Long.MIN_VALUE : events.get(events.size() - 1).position().offset();
    }
}
