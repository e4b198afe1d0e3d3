package com.escrowplatform.realtime.tracing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;

/**
 * The trace one consumed event belongs to on this instance: it travels with the event to every socket it reaches,
 * and each socket's delivery is a span of it, from the hand-over to the end of the socket's write. The spans in
 * flight live here, with the event, so that a socket carries nothing for tracing. Any thread.
 */
public final class EventTrace {
    static final String DELIVER = "deliver";
    /**
     * The heap one keeps alive beside its event (in the replay window too): this object, a context holding the
     * consumer span's context only (never the span itself), that context's hex ids, and the emptied map of
     * deliveries in flight.
     */
    public static final long RETAINED_BYTES = 512;

    private final Tracer tracer;
    private final Context parent;
    private final String room;
    /** By socket id: an event reaches a socket at most once. */
    private final Map<Long, Span> deliveriesInFlight = new ConcurrentHashMap<>();

    EventTrace(Tracer tracer, Context parent, String room) {
        this.tracer = tracer;
        this.parent = parent;
        this.room = room;
    }

    /**
     * The event is being handed to socket {@code socketId}; call before the hand-over, whose write may complete
     * before it returns.
     *
     * @param protocol the socket's protocol tag ({@code native} or {@code socketio})
     */
    public void deliveryStarted(String protocol, long socketId) {
        deliveriesInFlight.put(socketId, tracer.spanBuilder(DELIVER).setSpanKind(SpanKind.PRODUCER).setParent(parent)
                .setAttribute(EventTracing.ROOM, room)
                .setAttribute(EventTracing.PROTOCOL, protocol)
                .setAttribute(EventTracing.SOCKET, socketId)
                .startSpan());
    }

    /** The socket's write of the event ended: successfully when {@code failure} is null. */
    public void deliveryEnded(long socketId, Throwable failure) {
        Span span = deliveriesInFlight.remove(socketId);
        if (span != null) {
            if (failure != null) {
                span.recordException(failure).setStatus(StatusCode.ERROR);
            }
            span.end();
        }
    }
}
