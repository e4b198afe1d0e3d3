package com.escrowplatform.realtime.gateway;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPartition;

/**
 * The last N {@code ce_id}s seen per partition, to drop a record the outbox relay sent again (same
 * {@code ce_id}, later offset). A repeat always lands in the same partition as its original, because the
 * relay keys it the same way; so a per-partition memory of bounded size suffices (see
 * {@link HubLimits#dedupeIdsPerPartition()} for why the bound holds).
 *
 * <p>Not thread-safe: only the live consumer thread touches it.
 */
final class RecentCeIds {

    private final int capacity;
    private final Map<StreamPartition, Memory> byPartition = new HashMap<>();

    RecentCeIds(int capacityPerPartition) {
        this.capacity = capacityPerPartition;
    }

    /** Remembers the event's id; false when it was already remembered (a repeat). */
    boolean firstSighting(GatewayEvent event) {
        return byPartition.computeIfAbsent(event.position().stream(), p -> new Memory()).add(event.ceId());
    }

    private final class Memory {
        private final Set<String> ids = new HashSet<>();
        private final ArrayDeque<String> oldestFirst = new ArrayDeque<>();

        boolean add(String ceId) {
            if (!ids.add(ceId)) {
                return false;
            }
            oldestFirst.addLast(ceId);
            if (oldestFirst.size() > capacity) {
                ids.remove(oldestFirst.removeFirst());
            }
            return true;
        }
    }
}
