package com.escrowplatform.realtime.gateway.event;

import java.util.Objects;
import java.util.UUID;

/**
 * A record's place in the stream: topic identity, partition and offset.
 *
 * <p>Used both for "the record at this offset" and for "everything up to and including this offset has
 * been seen". In the second sense the offset may be {@code -1}: the partition had no record yet.
 *
 * <p>Why the topic identity and not just partition and offset: if {@code escrow.events} is recreated,
 * offset 42 exists again but names a different record. A client resuming from the old offset 42 would
 * silently skip the new topic's first 43 records. Comparing topic ids turns that into an honest
 * "cannot recover".
 */
public record StreamPosition(UUID topicId, int partition, long offset) {

    public StreamPosition {
        Objects.requireNonNull(topicId, "topicId");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0: " + partition);
        }
        if (offset < -1) {
            throw new IllegalArgumentException("offset must be >= -1: " + offset);
        }
    }

    /** The topic incarnation and partition this position belongs to. */
    public StreamPartition stream() {
        return new StreamPartition(topicId, partition);
    }

    /** True when both positions are in the same partition of the same topic incarnation. */
    public boolean sameStreamAs(StreamPosition other) {
        return partition == other.partition && topicId.equals(other.topicId);
    }
}
