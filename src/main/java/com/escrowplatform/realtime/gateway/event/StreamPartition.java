package com.escrowplatform.realtime.gateway.event;

import java.util.Objects;
import java.util.UUID;

/**
 * One partition of one incarnation of a Kafka topic.
 *
 * <p>The topic is named by its identity (Kafka's topic id), not its name: a topic that is deleted and
 * created again under the same name gets a new id and starts its offsets again at zero, so a position
 * taken on the old incarnation must never be compared with offsets of the new one.
 */
public record StreamPartition(UUID topicId, int partition) {

    public StreamPartition {
        Objects.requireNonNull(topicId, "topicId");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0: " + partition);
        }
    }

    /** The position of {@code offset} in this partition. */
    public StreamPosition at(long offset) {
        return new StreamPosition(topicId, partition, offset);
    }
}
