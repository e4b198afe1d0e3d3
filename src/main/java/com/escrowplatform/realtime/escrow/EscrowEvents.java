package com.escrowplatform.realtime.escrow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.escrowplatform.realtime.notification.Notification;
import com.escrowplatform.realtime.notification.NotificationText;
import com.escrowplatform.realtime.outbox.EventTypes;
import com.escrowplatform.realtime.outbox.OutboxEvent;
import com.escrowplatform.realtime.tracing.EventTracing;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Turns one escrow change into the rows that must commit with it: the escrow's version + 1, its event
 * row (the log and the outbox at once), and for every other party a notification and its own event row.
 *
 * <p>Why one transaction: the state change and what announces it commit or fail together, so Kafka
 * never carries an event for a change that did not happen, nor misses one that did. Per-escrow order
 * holds because the caller locked the escrow row first (SELECT … FOR UPDATE): a second change of the
 * same escrow cannot write its event row before this transaction ends.
 *
 * <p>Not thread-safe per aggregate: one request owns its aggregate.
 */
@ApplicationScoped
public class EscrowEvents {
    private final ObjectMapper json;
    private final EventTracing tracing;

    public EscrowEvents(ObjectMapper json, EventTracing tracing) {
        this.json = json;
        this.tracing = tracing;
    }

    /** Rows to persist, in order; each change adds its rows with {@link #recordChange}. */
    public static final class Pending {
        final List<Object> rows = new ArrayList<>();
    }

    /**
     * Records one change of the escrow: moves it to its next version (version + 1, updatedAt = {@code at}) and
     * adds the event of {@code type} that announces it, with the type's own {@code fields} (the common ones,
     * escrowId, version, occurredAt and actorId, are added here), and every other party's notification.
     */
    public void recordChange(Pending pending, EscrowAggregate aggregate, String actorId, String type, Instant at,
            ObjectNode fields) {
        Escrow escrow = aggregate.escrow();
        escrow.version++;
        escrow.updatedAt = at;

        ObjectNode data = json.createObjectNode();
        data.put("escrowId", escrow.id.toString());
        data.put("version", escrow.version);
        data.put("occurredAt", at.toString());
        data.put("actorId", actorId);
        data.setAll(fields);
        String traceparent = tracing.currentTraceparent(); // the request's span: the relay continues its trace
        pending.rows.add(row(OutboxEvent.ESCROW, escrow.id.toString(), type, data, escrow.version, at, traceparent));

        NotificationText text = NotificationText.describe(type, escrow.title, data);
        for (EscrowParty party : aggregate.parties()) {
            if (party.userId.equals(actorId)) {
                continue;
            }
            Notification notification = new Notification();
            notification.id = UUID.randomUUID();
            notification.userId = party.userId;
            notification.escrowId = escrow.id;
            notification.kind = type;
            notification.title = text.title();
            notification.body = text.body();
            notification.createdAt = at;
            pending.rows.add(notification);

            ObjectNode notice = json.createObjectNode();
            notice.put("notificationId", notification.id.toString());
            notice.put("userId", notification.userId);
            notice.put("escrowId", escrow.id.toString());
            notice.put("kind", type);
            notice.put("title", notification.title);
            notice.put("body", notification.body);
            notice.put("createdAt", at.toString());
            pending.rows.add(row(OutboxEvent.USER, party.userId, EventTypes.NOTIFICATION_NEW, notice, null, at,
                    traceparent));
        }
    }

    public ObjectNode fields() {
        return json.createObjectNode();
    }

    private static OutboxEvent row(String aggregateType, String aggregateId, String type, ObjectNode data, Long version,
            Instant at, String traceparent) {
        OutboxEvent event = new OutboxEvent();
        event.id = UUID.randomUUID();
        event.aggregatetype = aggregateType;
        event.aggregateid = aggregateId;
        event.type = type;
        event.payload = data.toString();
        event.version = version;
        event.createdAt = at;
        event.traceparent = traceparent;
        return event;
    }
}
