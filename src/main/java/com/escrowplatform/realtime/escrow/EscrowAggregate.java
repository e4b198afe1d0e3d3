package com.escrowplatform.realtime.escrow;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** An escrow with its parties, milestones (by position) and disputes (oldest first), as loaded for one request. */
public record EscrowAggregate(Escrow escrow, List<EscrowParty> parties, List<Milestone> milestones, List<Dispute> disputes) {

    public boolean isParty(String userId) {
        return parties.stream().anyMatch(p -> p.userId.equals(userId));
    }

    public Optional<EscrowParty> party(PartyRole role) {
        return parties.stream().filter(p -> p.role == role).findFirst();
    }

    public boolean hasRole(String userId, PartyRole role) {
        return party(role).map(p -> p.userId.equals(userId)).orElse(false);
    }

    public Optional<Milestone> milestone(UUID id) {
        return milestones.stream().filter(m -> m.id.equals(id)).findFirst();
    }

    public Optional<Dispute> dispute(UUID id) {
        return disputes.stream().filter(d -> d.id.equals(id)).findFirst();
    }
}
