package com.escrowplatform.realtime.tracing;

import java.nio.charset.StandardCharsets;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * The event path's spans (see the package): {@link #currentTraceparent} for the outbox row, {@link #startSend} for
 * the relay, {@link #startProcess} and {@link #deliveriesOf} for the live consumer. Only W3C {@code traceparent} is
 * carried, never {@code tracestate}.
 *
 * <p>Off unless the OpenTelemetry SDK is enabled ({@code quarkus.otel.sdk.disabled=false}, docs/configuration.md):
 * then every method returns null without looking at anything, and nothing on the event path allocates for tracing.
 * A record is traced only when it carries a {@code traceparent}: records without one (a producer that does not
 * trace) start no trace here, so fan-out of untraced traffic costs nothing even with tracing on.
 */
@Singleton
public class EventTracing {
    public static final String TRACEPARENT = "traceparent";
    static final AttributeKey<String> ROOM = AttributeKey.stringKey("escrow.room");
    static final AttributeKey<String> PROTOCOL = AttributeKey.stringKey("escrow.socket.protocol");
    static final AttributeKey<Long> SOCKET = AttributeKey.longKey("escrow.socket.id");
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
    private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("messaging.operation.type");
    private static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    private static final TextMapGetter<String> TRACEPARENT_VALUE = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String traceparent) {
            return List.of(TRACEPARENT);
        }

        @Override
        public String get(String traceparent, String key) {
            return TRACEPARENT.equals(key) ? traceparent : null;
        }
    };

    /** Null when tracing is off. */
    private final Tracer tracer;

    @Inject
    public EventTracing(OpenTelemetry openTelemetry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean sdkDisabled) {
        this.tracer = sdkDisabled ? null : openTelemetry.getTracer("escrow-realtime");
    }

    /**
     * The current span's context as a {@code traceparent} value, kept with an outbox row so that the relay can
     * continue the trace; null when tracing is off or no span is current.
     */
    public String currentTraceparent() {
        if (tracer == null) {
            return null;
        }
        SpanContext current = Span.current().getSpanContext();
        return current.isValid() ? traceparent(current) : null;
    }

    /**
     * The relay's span of sending one outbox row as a record, a child of the row's trace; the caller puts
     * {@link #traceparent(Span)} in the record and ends the span when Kafka answers. Null when tracing is off or
     * the row has no trace.
     */
    public Span startSend(String rowTraceparent, String topic, String ceId) {
        if (tracer == null || rowTraceparent == null) {
            return null;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), rowTraceparent,
                TRACEPARENT_VALUE);
        return messaging(SpanKind.PRODUCER, "send", topic, ceId, parent).startSpan();
    }

    /**
     * The live consumer's span of handing one record's event to this instance's sockets, continuing the trace of the
     * record's {@code traceparent} header (ours or another service's). Null when tracing is off or the record
     * carries no trace; the caller ends it when the hub has taken the event.
     */
    public Span startProcess(Headers headers, String topic, String ceId, String room) {
        if (tracer == null) {
            return null;
        }
        Header header = headers.lastHeader(TRACEPARENT);
        if (header == null || header.value() == null) {
            return null;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(),
                new String(header.value(), StandardCharsets.UTF_8), TRACEPARENT_VALUE);
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return null; // not a traceparent: nothing to continue
        }
        return messaging(SpanKind.CONSUMER, "process", topic, ceId, parent).setAttribute(ROOM, room).startSpan();
    }

    /** What the event carries to its sockets so that each delivery is a child of {@code processing}; null for null. */
    public EventTrace deliveriesOf(Span processing, String room) {
        // the span's context only: the event may stay in the replay window long after the span ended
        return processing == null ? null
                : new EventTrace(tracer, Context.root().with(Span.wrap(processing.getSpanContext())), room);
    }

    /** The span's context as a W3C {@code traceparent} value: {@code 00-<trace id>-<span id>-<flags>}. */
    public static String traceparent(Span span) {
        return traceparent(span.getSpanContext());
    }

    private static String traceparent(SpanContext context) {
        return "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
    }

    private SpanBuilder messaging(SpanKind kind, String operation, String topic, String ceId,
            Context parent) {
        return tracer.spanBuilder(operation + " " + topic).setSpanKind(kind).setParent(parent)
                .setAttribute(SYSTEM, "kafka")
                .setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION, operation)
                .setAttribute(MESSAGE_ID, ceId);
    }
}
