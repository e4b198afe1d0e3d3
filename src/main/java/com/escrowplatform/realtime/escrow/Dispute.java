package com.escrowplatform.realtime.escrow;

import java.time.Instant;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "dispute")
public class Dispute extends PanacheEntityBase {
    @Schema(name = "DisputeStatus")
    public enum Status { OPEN, RESOLVED }

    @Schema(name = "DisputeResolution")
    public enum Resolution { RELEASE, REFUND }

    @Id
    public UUID id;
    @Column(name = "escrow_id")
    public UUID escrowId;
    @Column(name = "filed_by")
    public String filedBy;
    public String reason;
    @Enumerated(EnumType.STRING)
    public Status status;
    @Enumerated(EnumType.STRING)
    public Resolution resolution;
    public String note;
    @Column(name = "resolved_by")
    public String resolvedBy;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "resolved_at")
    public Instant resolvedAt;
}
