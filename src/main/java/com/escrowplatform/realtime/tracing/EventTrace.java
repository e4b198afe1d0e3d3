package com.escrowplatform.realtime.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The trace one consumed event belongs to on this instance: it travels with the event to every socket it reaches,
 * so that each delivery can become a span of it. Immutable; any thread.
 */
public final class EventTrace {
    static final String DELIVER = "deliver";
    /**
     * The heap one keeps alive beside its event (in the replay window too): this object, a context holding the
     * consumer span's context only (never the span itself), and that context's hex ids.
     */
    public static final long RETAINED_BYTES = 256;

    private final Tracer tracer;
    private final Context parent;
    private final String room;

    EventTrace(Tracer tracer, Context parent, String room) {
        this.tracer = tracer;
        this.parent = parent;
        this.room = room;
    }

    /**
     * Starts the span of handing the event to one socket; the caller ends it when the socket's write completes.
     *
     * @param protocol the socket's protocol tag ({@code native} or {@code socketio})
     */
    public Span startDelivery(String protocol, long socketId) {
        return tracer.spanBuilder(DELIVER).setSpanKind(SpanKind.PRODUCER).setParent(parent)
                .setAttribute(EventTracing.ROOM, room)
                .setAttribute(EventTracing.PROTOCOL, protocol)
                .setAttribute(EventTracing.SOCKET, socketId)
                .startSpan();
    }
}
