package com.escrowplatform.realtime.gateway;

import static com.escrowplatform.realtime.gateway.event.Events.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.event.Events;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.ColdReplay;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.tracing.EventTracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

/**
 * A traced event's delivery is one span per socket, a child of the consumer's span, that ends when the socket's write
 * completes, not when the event is handed over; an untraced event, or tracing off, makes no span at all.
 */
class DeliverySpansTest {
    private static final String ROOM = "room-0:a";
    private static final String THEIR_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String THEIR_SPAN = "00f067aa0ba902b7";

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final EventTracing tracing = new EventTracing(OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported))
                    .build())
            .build(), false);
    private static final EventTracing OFF = new EventTracing(OpenTelemetry.noop(), true);
    private final RoomPartitioner partitioner = Events.partitioner(1);
    private final Hub hub = new Hub(new InMemoryReplayWindow(partitioner, 100, 1 << 20), ColdReplay.NONE, partitioner,
            DefaultLimits.HUB);

    @Test
    void shouldEndEachSocketsDeliverySpanWhenItsWriteCompletes() {
        RecordingPeer reading = RecordingPeer.openOn(hub, true, SocketProtocol.NATIVE);
        RecordingPeer stalled = RecordingPeer.openOn(hub, false, SocketProtocol.SOCKETIO);
        reading.subscribe(ROOM, Optional.empty(), reading::reply);
        stalled.subscribe(ROOM, Optional.empty(), stalled::reply);

        Span processing = tracing.startProcess(headers("00-" + THEIR_TRACE + "-" + THEIR_SPAN + "-01"), "escrow.events",
                "ce-1", ROOM);
        GatewayEvent event = traced(processing, 0);
        hub.publish(event);
        processing.end();

        SpanData process = only("process escrow.events");
        assertThat(process.getTraceId()).isEqualTo(THEIR_TRACE);
        assertThat(process.getParentSpanId()).isEqualTo(THEIR_SPAN);
        SpanData delivered = only("deliver");
        assertThat(delivered.getParentSpanId()).isEqualTo(process.getSpanId());
        assertThat(delivered.getTraceId()).isEqualTo(THEIR_TRACE);
        assertThat(delivered.getAttributes().get(AttributeKey.stringKey("escrow.socket.protocol"))).isEqualTo("native");

        // the stalled socket's delivery is open until its write completes
        stalled.subscriber().writeCompleted(event);
        assertThat(exported.getFinishedSpanItems()).filteredOn(span -> span.getName().equals("deliver"))
                .extracting(span -> span.getAttributes().get(AttributeKey.stringKey("escrow.socket.protocol")))
                .containsExactlyInAnyOrder("native", "socketio");
    }

    @Test
    void shouldMakeNoSpanForARecordWithoutTraceparentOrWithTracingOff() {
        RecordingPeer reading = RecordingPeer.openOn(hub, true, SocketProtocol.NATIVE);
        reading.subscribe(ROOM, Optional.empty(), reading::reply);

        assertThat(tracing.startProcess(new RecordHeaders(), "escrow.events", "ce-1", ROOM)).isNull();
        assertThat(tracing.startProcess(headers("not a traceparent"), "escrow.events", "ce-1", ROOM)).isNull();
        assertThat(OFF.startProcess(headers("00-" + THEIR_TRACE + "-" + THEIR_SPAN + "-01"),
                "escrow.events", "ce-1", ROOM)).isNull();
        assertThat(OFF.startSend("00-" + THEIR_TRACE + "-" + THEIR_SPAN + "-01", "escrow.events", "ce-1"))
                .isNull();
        assertThat(OFF.currentTraceparent()).isNull();
        assertThat(tracing.deliveriesOf(null, ROOM)).isNull();

        hub.publish(traced(null, 0));
        assertThat(reading.frames()).hasSize(2); // the reply and the event
        assertThat(exported.getFinishedSpanItems()).isEmpty();
    }

    private GatewayEvent traced(Span processing, long offset) {
        return new GatewayEvent(ROOM, new StreamPosition(TOPIC, 0, offset), "ce-" + offset, "escrow:status_changed",
                "{\"offset\":" + offset + "}", tracing.deliveriesOf(processing, ROOM));
    }

    private static RecordHeaders headers(String traceparent) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(EventTracing.TRACEPARENT, traceparent.getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    private SpanData only(String name) {
        List<SpanData> named = exported.getFinishedSpanItems().stream().filter(span -> span.getName().equals(name))
                .toList();
        assertThat(named).as(name).hasSize(1);
        return named.get(0);
    }
}
