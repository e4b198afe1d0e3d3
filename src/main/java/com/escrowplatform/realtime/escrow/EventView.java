package com.escrowplatform.realtime.escrow;

import java.time.Instant;
import java.util.UUID;

import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.escrowplatform.realtime.outbox.OutboxEvent;
import com.fasterxml.jackson.annotation.JsonRawValue;

/** One entry of {@code GET /api/escrows/{id}/events}: {@code data} is the event's data exactly as published. */
public record EventView(UUID id, String type, long version, Instant occurredAt,
        @Schema(type = SchemaType.OBJECT, description = "The event's data, as published on Kafka and pushed over WebSocket; its fields depend on `type`.")
        @JsonRawValue String data) {

    static EventView of(OutboxEvent row) {
        return new EventView(row.id, row.type, row.version, row.createdAt, row.payload);
    }
}
