package com.escrowplatform.realtime.gateway.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

import org.apache.kafka.common.utils.Utils;

import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;

/**
 * Maps rooms to partitions the way the producers key their records (contract section 4), using Kafka's
 * default partitioner for keyed records (murmur2 of the UTF-8 key, made positive, modulo the partition count):
 * <ul>
 *   <li>{@code escrow:<id>} → topic {@code escrow.events}, key {@code <id>};</li>
 *   <li>{@code user:<sub>} → topic {@code user.notifications}, key {@code <sub>}.</li>
 * </ul>
 * Thread-safe. When partitions are added to a topic at run time, the live consumer {@link #grow grows} the
 * layout: from then on a room whose key now lands on another partition is placed there, so a position on its
 * old partition answers "partition changed" (not recovered) instead of a replay that would miss the events
 * written to the new one. A recreated topic needs a new instance (a restart).
 */
public final class KafkaKeyRoomPartitioner implements RoomPartitioner {

    /** One topic incarnation and its partition count. */
    public record TopicLayout(UUID topicId, int partitionCount) {
        public TopicLayout {
            Objects.requireNonNull(topicId, "topicId");
            if (partitionCount < 1) {
                throw new IllegalArgumentException("partitionCount must be >= 1: " + partitionCount);
            }
        }
    }

    // written by the live consumer's thread only (grow), read by any
    private volatile TopicLayout escrowEvents;
    private volatile TopicLayout userNotifications;

    public KafkaKeyRoomPartitioner(TopicLayout escrowEvents, TopicLayout userNotifications) {
        this.escrowEvents = Objects.requireNonNull(escrowEvents, "escrowEvents");
        this.userNotifications = Objects.requireNonNull(userNotifications, "userNotifications");
    }

    /** The topic {@code topicId} has {@code partitionCount} partitions now; fewer are ignored (Kafka never shrinks). */
    void grow(UUID topicId, int partitionCount) {
        if (escrowEvents.topicId().equals(topicId) && partitionCount > escrowEvents.partitionCount()) {
            escrowEvents = new TopicLayout(topicId, partitionCount);
        }
        if (userNotifications.topicId().equals(topicId) && partitionCount > userNotifications.partitionCount()) {
            userNotifications = new TopicLayout(topicId, partitionCount);
        }
    }

    /** Called when a socket subscribes or resumes, never per delivered event. */
    @Override
    public StreamPartition partitionOf(String room) {
        Room parsed = Room.parse(room);
        return partition(parsed instanceof Room.EscrowRoom ? escrowEvents : userNotifications, parsed.subject());
    }

    private static StreamPartition partition(TopicLayout topic, String key) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        // the same computation as the producer's built-in partitioner for a keyed record
        int partition = Utils.toPositive(Utils.murmur2(keyBytes)) % topic.partitionCount();
        return new StreamPartition(topic.topicId(), partition);
    }
}
