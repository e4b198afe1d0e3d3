package com.escrowplatform.realtime.gateway;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * Maps rooms to partitions the way the producers key their records (contract section 4), using Kafka's
 * default partitioner for keyed records (murmur2 of the UTF-8 key, made positive, modulo the partition count):
 * <ul>
 *   <li>{@code escrow:<id>} → topic {@code escrow.events}, key {@code <id>};</li>
 *   <li>{@code user:<sub>} → topic {@code user.notifications}, key {@code <sub>}.</li>
 * </ul>
 * Immutable and thread-safe. When a topic is recreated or its partitions change, build a new one with the
 * new layout.
 */
public final class KafkaKeyRoomPartitioner implements RoomPartitioner {

    public static final String ESCROW_PREFIX = "escrow:";
    public static final String USER_PREFIX = "user:";
    /** The contract caps {@code sub} at 128 characters; escrow ids are UUIDs. */
    static final int MAX_KEY_LENGTH = 128;

    /** One topic incarnation and its partition count. */
    public record TopicLayout(UUID topicId, int partitionCount) {
        public TopicLayout {
            Objects.requireNonNull(topicId, "topicId");
            if (partitionCount < 1) {
                throw new IllegalArgumentException("partitionCount must be >= 1: " + partitionCount);
            }
        }
    }

    private final TopicLayout escrowEvents;
    private final TopicLayout userNotifications;

    public KafkaKeyRoomPartitioner(TopicLayout escrowEvents, TopicLayout userNotifications) {
        this.escrowEvents = Objects.requireNonNull(escrowEvents, "escrowEvents");
        this.userNotifications = Objects.requireNonNull(userNotifications, "userNotifications");
    }

    @Override
    public StreamPartition partitionOf(String room) {
        if (room != null && room.startsWith(ESCROW_PREFIX)) {
            return partition(escrowEvents, key(room, ESCROW_PREFIX));
        }
        if (room != null && room.startsWith(USER_PREFIX)) {
            return partition(userNotifications, key(room, USER_PREFIX));
        }
        throw invalid(room);
    }

    private static String key(String room, String prefix) {
        String key = room.substring(prefix.length());
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw invalid(room);
        }
        return key;
    }

    private static StreamPartition partition(TopicLayout topic, String key) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        return new StreamPartition(topic.topicId(), Murmur2.partitionFor(keyBytes, topic.partitionCount()));
    }

    private static GatewayException invalid(String room) {
        return new GatewayException(ErrorCode.INVALID_ROOM, "not a room: " + room);
    }
}
