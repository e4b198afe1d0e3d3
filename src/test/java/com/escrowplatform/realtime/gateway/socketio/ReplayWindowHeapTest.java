package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;

/**
 * The replay window's byte bound is a bound on heap: what {@code escrow_gateway_window_bytes} counts covers
 * what the window keeps alive, the frames cached for both protocols included. Here (not beside the window)
 * because it needs the Socket.IO frame codec.
 */
class ReplayWindowHeapTest {
    private static final UUID TOPIC = UUID.fromString("7d1f1c0e-0000-4000-8000-00000000a11c");
    private static final int PARTITIONS = 2;
    private static final long BOUND_PER_PARTITION = 8L << 20;
    private static final RoomPartitioner BY_HASH =
            room -> new StreamPartition(TOPIC, Math.floorMod(room.hashCode(), PARTITIONS));
    /** ASCII, Latin-1 beyond ASCII (one byte a char in a String), and text a String keeps as UTF-16. */
    private static final String[] TEXTS = {"plain ascii text ", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e ",
            "\u017ealu\u0165ou\u010dk\u00fd k\u016f\u0148 \u20ac ", "\u62c5\u4fdd\u4ea4\u6613 "};

    // Guards the window's byte bound: with native and Socket.IO frames cached, the counted bytes stay within the
    // configured bound and cover the live heap the window retains, for events of mixed sizes and text.
    @Test
    void shouldCountWhatTheWindowRetainsWithBothFramesCached() {
        long heapBefore = liveHeap();
        InMemoryReplayWindow window = new InMemoryReplayWindow(BY_HASH, 20_000, BOUND_PER_PARTITION);
        Random random = new Random(42);
        long[] nextOffset = new long[PARTITIONS];
        for (int i = 0; i < 12_000; i++) {
            GatewayEvent event = event(random, nextOffset);
            window.append(event);
            // what one native and one Socket.IO subscriber make the event keep: both frames cached
            assertThat(event.nativeFrameBytes()).isSameAs(event.nativeFrameBytes());
            assertThat(event.encodedFor(SocketIoPackets.EVENT_PREFIX))
                    .isSameAs(event.encodedFor(SocketIoPackets.EVENT_PREFIX));
        }
        long heapRetained = liveHeap() - heapBefore;
        long counted = window.retainedBytes();
        long events = window.retainedEvents();
        Reference.reachabilityFence(window);

        assertThat(window.evictedEvents()).as("the byte bound was reached").isPositive();
        assertThat(counted).as("escrow_gateway_window_bytes within the bound").isLessThanOrEqualTo(
                PARTITIONS * BOUND_PER_PARTITION);
        assertThat(heapRetained).as("live heap the window retains (%d events, %d bytes counted)", events, counted)
                // the measurement saw the window at all (a large event's frames, counted too, are off the heap)
                .isGreaterThan(counted / 4)
                .isLessThanOrEqualTo(counted + counted / 10 + (1 << 20));
    }

    private static GatewayEvent event(Random random, long[] nextOffset) {
        String escrowId = UUID.randomUUID().toString();
        String room = "escrow:" + escrowId;
        int partition = BY_HASH.partitionOf(room).partition();
        String text = TEXTS[random.nextInt(TEXTS.length)];
        // mostly small events, some large ones
        int chars = random.nextInt(10) == 0 ? 2_000 + random.nextInt(30_000) : 20 + random.nextInt(600);
        String note = text.repeat(chars / text.length() + 1).substring(0, chars);
        String data = "{\"escrowId\":\"" + escrowId + "\",\"version\":" + (nextOffset[partition] + 1) + ",\"note\":\""
                + note + "\"}";
        // new Strings per event, as the live consumer gets them from each record
        return new GatewayEvent(room, new StreamPosition(TOPIC, partition, nextOffset[partition]++),
                "ce-" + UUID.randomUUID(), new String("escrow:status_changed"), data);
    }

    /** Heap in use after the garbage collector has settled. */
    private static long liveHeap() {
        long used = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            System.gc();
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (Math.abs(now - used) < (256 << 10)) {
                return now;
            }
            used = now;
        }
        return used;
    }
}
