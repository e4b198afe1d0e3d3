package com.escrowplatform.realtime.gateway;

/**
 * The limits the hub enforces, immutable. {@link #from(GatewayConfig)} takes them from the configuration, which
 * holds their defaults; the {@code with…} methods return a copy with one limit changed.
 *
 * @param maxSubscriptionsPerSocket rooms one socket may be in at once, the user's own room included; above
 *                                   it: {@code too_many_subscriptions}
 * @param subscribesPerSecond        sustained subscribe rate per socket; above it: {@code rate_limited}
 * @param subscribeBurst             subscribes a socket may make at once before the rate applies
 * @param maxReplayEvents            most missed events one subscribe replays; more means
 *                                   {@code recovered:false}, since reloading the escrow is then cheaper
 * @param maxHeldBackEvents          live events held back per subscription while its replay runs; on overflow
 *                                   the subscription goes live with {@code recovered:false}
 * @param maxOutboundBytesPerSocket bytes handed to a socket and not yet written; above it the socket is closed
 *                                   with 4008. Must exceed the largest event, and should exceed a full replay
 *                                   ({@code maxReplayEvents} typical events)
 * @param dedupeIdsPerPartition      recent {@code ce_id}s remembered per partition to drop repeats. A repeat
 *                                   comes from the outbox relay resending what it could not confirm after a
 *                                   crash: at most its unacknowledged batches, a few hundred records, produced
 *                                   right after the originals. The bound must exceed that plus what other
 *                                   producers write to the partition meanwhile.
 */
public record HubLimits(
        int maxSubscriptionsPerSocket,
        double subscribesPerSecond,
        int subscribeBurst,
        int maxReplayEvents,
        int maxHeldBackEvents,
        long maxOutboundBytesPerSocket,
        int dedupeIdsPerPartition) {

    public HubLimits {
        if (maxSubscriptionsPerSocket < 1 || subscribesPerSecond <= 0 || subscribeBurst < 1 || maxReplayEvents < 0
                || maxHeldBackEvents < 0 || maxOutboundBytesPerSocket < 1 || dedupeIdsPerPartition < 1) {
            throw new IllegalArgumentException("invalid hub limits");
        }
    }

    /** The limits {@code config} sets. */
    public static HubLimits from(GatewayConfig config) {
        return new HubLimits(config.maxSubscriptionsPerConnection(), config.subscribesPerSecond(),
                config.subscribeBurst(), config.maxReplayEvents(), config.maxHeldBackEvents(), config.maxOutboundBytes(),
                config.dedupeIdsPerPartition());
    }

    HubLimits withMaxSubscriptionsPerSocket(int value) {
        return new HubLimits(value, subscribesPerSecond, subscribeBurst, maxReplayEvents, maxHeldBackEvents,
                maxOutboundBytesPerSocket, dedupeIdsPerPartition);
    }

    HubLimits withSubscribeRate(double perSecond, int burst) {
        return new HubLimits(maxSubscriptionsPerSocket, perSecond, burst, maxReplayEvents, maxHeldBackEvents,
                maxOutboundBytesPerSocket, dedupeIdsPerPartition);
    }

    HubLimits withMaxReplayEvents(int value) {
        return new HubLimits(maxSubscriptionsPerSocket, subscribesPerSecond, subscribeBurst, value,
                maxHeldBackEvents, maxOutboundBytesPerSocket, dedupeIdsPerPartition);
    }

    HubLimits withMaxHeldBackEvents(int value) {
        return new HubLimits(maxSubscriptionsPerSocket, subscribesPerSecond, subscribeBurst, maxReplayEvents,
                value, maxOutboundBytesPerSocket, dedupeIdsPerPartition);
    }

    HubLimits withMaxOutboundBytesPerSocket(long value) {
        return new HubLimits(maxSubscriptionsPerSocket, subscribesPerSecond, subscribeBurst, maxReplayEvents,
                maxHeldBackEvents, value, dedupeIdsPerPartition);
    }

    HubLimits withDedupeIdsPerPartition(int value) {
        return new HubLimits(maxSubscriptionsPerSocket, subscribesPerSecond, subscribeBurst, maxReplayEvents,
                maxHeldBackEvents, maxOutboundBytesPerSocket, value);
    }
}
