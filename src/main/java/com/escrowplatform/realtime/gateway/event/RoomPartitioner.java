package com.escrowplatform.realtime.gateway.event;

/**
 * Says where a room's events live: the topic incarnation and partition its records are produced to.
 * Every event of a room is in that one partition, which is what makes "offset" a total order per room.
 *
 * <p>Called from any thread; must be pure and cheap.
 */
@FunctionalInterface
public interface RoomPartitioner {

    /**
     * @param room a room's {@linkplain Room#name() name}
     * @throws GatewayException with {@link ErrorCode#INVALID_ROOM} when {@code room} is not a room name
     */
    StreamPartition partitionOf(String room);
}
