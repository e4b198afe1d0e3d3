package com.escrowplatform.realtime.escrow;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** An escrow as {@code GET /api/escrows/{id}} returns it (CONTRACT 2). */
/** Serialized by hand for idempotent replays (not only as a resource return type): registered for native images. */
@RegisterForReflection(targets = { EscrowView.class, EscrowView.PartyView.class, EscrowView.MilestoneView.class,
        EscrowView.DisputeView.class, Money.class })
public record EscrowView(UUID id, String title, @Schema(nullable = true) String description, EscrowStatus status, long version, Money amount,
        List<PartyView> parties, List<MilestoneView> milestones, List<DisputeView> disputes,
        Instant createdAt, Instant updatedAt) {

    public record PartyView(String userId, PartyRole role, boolean joined) {
    }

    public record MilestoneView(UUID id, String title, Money amount, Milestone.Status status) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DisputeView(UUID id, String filedBy, String reason, Dispute.Status status,
            Dispute.Resolution resolution, String note) {
    }

    static EscrowView of(EscrowAggregate aggregate) {
        Escrow e = aggregate.escrow();
        return new EscrowView(e.id, e.title, e.description, e.status, e.version, Money.of(e.amount, e.currency),
                aggregate.parties().stream().map(p -> new PartyView(p.userId, p.role, p.joined)).toList(),
                aggregate.milestones().stream()
                        .map(m -> new MilestoneView(m.id, m.title, Money.of(m.amount, e.currency), m.status)).toList(),
                aggregate.disputes().stream()
                        .map(d -> new DisputeView(d.id, d.filedBy, d.reason, d.status, d.resolution, d.note)).toList(),
                e.createdAt, e.updatedAt);
    }
}
