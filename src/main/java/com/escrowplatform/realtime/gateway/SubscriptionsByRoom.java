package com.escrowplatform.realtime.gateway;

import java.util.Arrays;
import java.util.List;

/**
 * The subscriptions of one subscriber, by room: the subscriber half of the hub's two indexes ({@link RoomIndex} is
 * the other). A socket is in a few rooms (its user room and the escrows on its screen), so they are kept in a
 * small array searched linearly: a hash map's table and nodes would weigh more than the subscriptions, on
 * every one of tens of thousands of sockets.
 *
 * <p>Not thread-safe: guarded by the subscriber lock, like everything it holds.
 */
final class SubscriptionsByRoom {
    private static final Subscription[] NONE = new Subscription[0];

    private Subscription[] subscriptions = NONE;
    private int size;

    Subscription get(String room) {
        int at = indexOf(room);
        return at < 0 ? null : subscriptions[at];
    }

    /** Adds a subscription to a room the subscriber is not in. */
    void add(Subscription subscription) {
        if (size == subscriptions.length) {
            subscriptions = Arrays.copyOf(subscriptions, Math.max(2, size * 2));
        }
        subscriptions[size++] = subscription;
    }

    /** Removes and returns the room's subscription, or null when the subscriber is not in the room. */
    Subscription remove(String room) {
        int at = indexOf(room);
        if (at < 0) {
            return null;
        }
        Subscription removed = subscriptions[at];
        subscriptions[at] = subscriptions[--size];
        subscriptions[size] = null;
        return removed;
    }

    /** Removes exactly this subscription; false when its room now has another one, or none. */
    boolean remove(Subscription subscription) {
        if (get(subscription.room) != subscription) {
            return false;
        }
        remove(subscription.room);
        return true;
    }

    int size() {
        return size;
    }

    /** Empties the subscriber's rooms, returning what they held. */
    List<Subscription> clear() {
        List<Subscription> left = List.of(Arrays.copyOf(subscriptions, size));
        subscriptions = NONE;
        size = 0;
        return left;
    }

    private int indexOf(String room) {
        for (int i = 0; i < size; i++) {
            if (subscriptions[i].room.equals(room)) {
                return i;
            }
        }
        return -1;
    }
}
