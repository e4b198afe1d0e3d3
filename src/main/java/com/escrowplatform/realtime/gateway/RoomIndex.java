package com.escrowplatform.realtime.gateway;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Room → subscriptions of this instance, the room half of the hub's two indexes (the subscriber half is each
 * {@link Subscriber}'s own map).
 *
 * <p>Each room maps to an immutable array, replaced as a whole under the map's per-key atomicity
 * ({@code compute}). So the live consumer iterates a room without locking and without copying, and
 * subscribers pay the copy instead: O(room size) per join or leave, cheap for escrow rooms (a few parties)
 * and user rooms (a user's few sockets). An emptied room is removed, so rooms never leak.
 *
 * <p>Threads: {@link #subscribersOf} on the consumer thread; {@link #add}/{@link #remove} on event loops,
 * under the subscriber lock.
 */
final class RoomIndex {

    private static final Subscription[] NONE = new Subscription[0];

    private final ConcurrentHashMap<String, Subscription[]> rooms = new ConcurrentHashMap<>();

    Subscription[] subscribersOf(String room) {
        Subscription[] subscribers = rooms.get(room);
        return subscribers == null ? NONE : subscribers;
    }

    void add(Subscription subscription) {
        rooms.compute(subscription.room, (room, current) -> {
            if (current == null) {
                return new Subscription[] {subscription};
            }
            Subscription[] grown = Arrays.copyOf(current, current.length + 1);
            grown[current.length] = subscription;
            return grown;
        });
    }

    void remove(Subscription subscription) {
        rooms.computeIfPresent(subscription.room, (room, current) -> {
            int at = indexOf(current, subscription);
            if (at < 0) {
                return current;
            }
            if (current.length == 1) {
                return null; // removes the room
            }
            Subscription[] shrunk = new Subscription[current.length - 1];
            System.arraycopy(current, 0, shrunk, 0, at);
            System.arraycopy(current, at + 1, shrunk, at, current.length - at - 1);
            return shrunk;
        });
    }

    int roomCount() {
        return rooms.size();
    }

    private static int indexOf(Subscription[] subscriptions, Subscription wanted) {
        for (int i = 0; i < subscriptions.length; i++) {
            if (subscriptions[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
