package com.escrowplatform.realtime.gateway.event;

import java.util.UUID;

/** Builds test events: one topic, rooms pinned to partitions by the test's own partitioner. */
public final class Events {

    public static final UUID TOPIC = UUID.fromString("7d1f1c0e-0000-4000-8000-000000000001");

    private Events() {
    }

    public static GatewayEvent event(String room, int partition, long offset) {
        return event(room, partition, offset, "ce-" + partition + "-" + offset);
    }

    public static GatewayEvent event(String room, int partition, long offset, String ceId) {
        return new GatewayEvent(room, new StreamPosition(TOPIC, partition, offset), ceId,
                "escrow:status_changed", "{\"offset\":" + offset + "}");
    }

    /** Rooms named {@code room-<n>:...} live on partition {@code n % partitions} of {@link #TOPIC}. */
    public static RoomPartitioner partitioner(int partitions) {
        return room -> {
            int colon = room.indexOf(':');
            if (!room.startsWith("room-") || colon < 0) {
                throw new GatewayException(ErrorCode.INVALID_ROOM, "not a room: " + room);
            }
            return new StreamPartition(TOPIC, Integer.parseInt(room.substring(5, colon)) % partitions);
        };
    }
}
