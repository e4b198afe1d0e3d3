package com.escrowplatform.realtime.gateway.replay;

import java.util.List;
import java.util.Objects;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;

/**
 * The answer to "give me every event of this room after that position". Three outcomes, all expected:
 * a replay that cannot be served is an ordinary result, not an error.
 */
public sealed interface ReplayResult permits ReplayResult.Recovered, ReplayResult.NotInWindow, ReplayResult.Unrecoverable {

    /**
     * Every event of the room after the requested position, in offset order, and nothing else.
     *
     * @param lastOffset the replay covers the room's events up to and including this partition offset
     *                   (the partition's end as the replaying source saw it), even if the room's own last
     *                   event is older: a live event at or below it is already accounted for
     */
    record Recovered(List<GatewayEvent> events, long lastOffset) implements ReplayResult {
        public Recovered {
            events = List.copyOf(events);
        }
    }

    /** This source no longer (or not yet) holds everything after the position; a colder source may. */
    record NotInWindow() implements ReplayResult {
        static final NotInWindow INSTANCE = new NotInWindow();
    }

    /** No source can replay this position; the client must reload its state (contract section 6). */
    record Unrecoverable(Reason reason) implements ReplayResult {
        public Unrecoverable {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Why a position cannot be replayed. */
    enum Reason {
        /** The position names another incarnation of the topic: it was deleted and created again. */
        TOPIC_RECREATED,
        /** The room's key now maps to another partition (partitions were added to the topic). */
        PARTITION_CHANGED,
        /** More events were missed than a replay may deliver; reloading is cheaper. */
        TOO_MANY_EVENTS,
        /** The position is past the end of the partition: it cannot have been handed out by us. */
        BEYOND_STREAM_END,
        /** The records after the position are gone (older than the topic's retention). */
        NOT_RETAINED,
        /** The cold read failed, broke its contract or missed its deadline; the client reloads rather than risk a gap. */
        READ_FAILED,
        /** More cold replays were waiting than the readers may queue; answered at once rather than late. */
        READERS_BUSY,
        /** Live events held back during the replay overflowed their bound. */
        HELD_BACK_OVERFLOW
    }
}
