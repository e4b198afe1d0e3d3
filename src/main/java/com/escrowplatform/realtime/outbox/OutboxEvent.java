package com.escrowplatform.realtime.outbox;

import java.time.Instant;
import java.util.UUID;

import org.hibernate.annotations.ColumnTransformer;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One row of the event log, which is also the transactional outbox: written in the transaction that
 * makes the change, published to Kafka by {@link PgOutboxRelay} afterwards. The column names follow
 * Debezium's Outbox Event Router. {@code seq} (the relay's order) is assigned by the database.
 */
@Entity
@Table(name = "outbox_event")
public class OutboxEvent extends PanacheEntityBase {
    public static final String ESCROW = "escrow";
    public static final String USER = "user";

    /** The CloudEvents {@code ce_id}: the consumers' dedupe key. */
    @Id
    public UUID id;
    /** {@value #ESCROW} (topic escrow.events) or {@value #USER} (topic user.notifications). */
    public String aggregatetype;
    /** The record key: the escrow id or the recipient's user id. */
    public String aggregateid;
    public String type;
    /**
     * The event's {@code data} object, as JSON. Bound as text and cast: the reactive client binds a String
     * to a jsonb parameter as a JSON string value, which would store the object as one quoted string.
     */
    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(read = "payload::text", write = "cast(? as text)::jsonb")
    public String payload;
    /** The escrow's version after this event; null for a user notification. */
    public Long version;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "published_at")
    public Instant publishedAt;
    /** The W3C {@code traceparent} of the change that wrote this row; null when tracing was off. */
    public String traceparent;
}
