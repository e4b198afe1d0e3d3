package com.escrowplatform.realtime.notification;

import java.time.Instant;
import java.util.UUID;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An in-app notification for one user, created in the same transaction as the event it tells of. */
@Entity
@Table(name = "notification")
public class Notification extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "user_id")
    public String userId;
    @Column(name = "escrow_id")
    public UUID escrowId;
    /** The escrow event type it tells of. */
    public String kind;
    public String title;
    public String body;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "read_at")
    public Instant readAt;
}
