package com.escrowplatform.realtime.escrow;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * An escrow's own row. Its parties, milestones and disputes live in their own tables and are loaded by
 * {@link EscrowRepository} explicitly: no lazy associations to trip over on a reactive session.
 */
@Entity
@Table(name = "escrow")
public class Escrow extends PanacheEntityBase {
    @Id
    public UUID id;
    public String title;
    public String description;
    @Enumerated(EnumType.STRING)
    public EscrowStatus status;
    /** The escrow's event sequence: bumped by one for every event (see {@code EventLog}). */
    public long version;
    /** ISO 4217 code: the column is char(3). */
    @JdbcTypeCode(SqlTypes.CHAR)
    @Column(length = 3)
    public String currency;
    public BigDecimal amount;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
