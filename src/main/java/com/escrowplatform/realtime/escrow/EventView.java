package com.escrowplatform.realtime.escrow;

import java.time.Instant;
import java.util.UUID;

import com.escrowplatform.realtime.outbox.OutboxEvent;
import com.fasterxml.jackson.annotation.JsonRawValue;

/** One entry of {@code GET /api/escrows/{id}/events}: {@code data} is the event's data exactly as published. */
public record EventView(UUID id, String type, long version, Instant occurredAt, @JsonRawValue String data) {

    static EventView of(OutboxEvent row) {
        return new EventView(row.id, row.type, row.version, row.createdAt, row.payload);
    }
}
