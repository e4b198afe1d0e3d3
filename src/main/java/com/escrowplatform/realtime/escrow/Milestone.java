package com.escrowplatform.realtime.escrow;

import java.math.BigDecimal;
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
@Table(name = "milestone")
public class Milestone extends PanacheEntityBase {
    @Schema(name = "MilestoneStatus")
    public enum Status { PENDING, RELEASED }

    @Id
    public UUID id;
    @Column(name = "escrow_id")
    public UUID escrowId;
    public int position;
    public String title;
    public BigDecimal amount;
    @Enumerated(EnumType.STRING)
    public Status status;
    @Column(name = "released_at")
    public Instant releasedAt;
}
