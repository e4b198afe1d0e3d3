package com.escrowplatform.realtime.gateway;

import com.escrowplatform.realtime.gateway.event.EventIds;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * What a {@code subscribed} reply (contract section 5) or a Socket.IO ack needs.
 *
 * @param room        the room
 * @param recovered   true when a {@code lastEventId} was given and every missed event follows this reply;
 *                    false otherwise, and then nothing was replayed: the client reloads its state over REST
 * @param replayed    how many missed events follow this reply, before live events
 * @param position    an id marking the room's stream end for this subscription, valid as a later
 *                    {@code lastEventId}
 * @param seenThrough the same mark, decoded
 */
public record Subscribed(String room, boolean recovered, int replayed, String position, StreamPosition seenThrough) {

    static Subscribed of(String room, boolean recovered, int replayed, StreamPosition seenThrough) {
        return new Subscribed(room, recovered, replayed, EventIds.encodePosition(room, seenThrough), seenThrough);
    }
}
