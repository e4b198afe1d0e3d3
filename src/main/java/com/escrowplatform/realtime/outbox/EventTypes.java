package com.escrowplatform.realtime.outbox;

import java.util.Set;

/** The six event types, exactly as the contract spells them (CONTRACT 3). */
public final class EventTypes {
    public static final String STATUS_CHANGED = "escrow:status_changed";
    public static final String MILESTONE_RELEASED = "escrow:milestone_released";
    public static final String DISPUTE_FILED = "escrow:dispute_filed";
    public static final String DISPUTE_RESOLVED = "escrow:dispute_resolved";
    public static final String PARTY_JOINED = "escrow:party_joined";
    public static final String NOTIFICATION_NEW = "notification:new";

    public static final Set<String> ESCROW_TYPES = Set.of(STATUS_CHANGED, MILESTONE_RELEASED, DISPUTE_FILED,
            DISPUTE_RESOLVED, PARTY_JOINED);
    public static final Set<String> ALL = Set.of(STATUS_CHANGED, MILESTONE_RELEASED, DISPUTE_FILED, DISPUTE_RESOLVED,
            PARTY_JOINED, NOTIFICATION_NEW);

    private EventTypes() {
    }
}
