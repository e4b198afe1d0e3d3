package com.escrowplatform.realtime.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GatewayEventTest {

    private static final StreamPosition POSITION = new StreamPosition(UUID.randomUUID(), 2, 40);

    @Test
    void shouldBuildTheNativeFrameOfTheContract() {
        GatewayEvent event = new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:status_changed",
                "{\"from\":\"PENDING\",\"to\":\"ACTIVE\"}");

        assertThat(event.nativeFrame()).isEqualTo("{\"type\":\"escrow:status_changed\",\"room\":\"escrow:e1\",\"id\":\""
                + EventIds.encode("escrow:e1", POSITION) + "\",\"data\":{\"from\":\"PENDING\",\"to\":\"ACTIVE\"}}");
    }

    @Test
    void shouldEscapeStringsInTheNativeFrame() {
        GatewayEvent event = new GatewayEvent("user:a\"b\\c\n\u0001\u2028", POSITION, "ce-1", "notification:new", "{}");

        assertThat(event.nativeFrame()).contains("\"room\":\"user:a\\\"b\\\\c\\n\\u0001\\u2028\"");
    }

    @Test
    void shouldKeepEveryCharacterOfTheRoomThroughAJsonParser() throws Exception {
        StringBuilder room = new StringBuilder("user:");
        for (char c = 0; c < 0x20; c++) {
            room.append(c);
        }
        room.append("\"\\/\u007f\u00e9\u2028\u2029\u6771\ud83d\ude00 literal \\u2028");
        GatewayEvent event = new GatewayEvent(room.toString(), POSITION, "ce-1", "notification:new", "{}");

        JsonNode frame = new ObjectMapper().readTree(event.nativeFrame());

        assertThat(frame.path("room").asText()).isEqualTo(room.toString());
        assertThat(event.nativeFrame()).as("line separators stay escaped for JavaScript before ES2019")
                .doesNotContain("\u2028", "\u2029");
    }

    @Test
    void shouldSerializeTheNativeFrameOnlyOnce() {
        GatewayEvent event = new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:party_joined", "{}");

        assertThat(event.nativeFrameBytes()).isSameAs(event.nativeFrameBytes());
    }

    @Test
    void shouldEncodeOncePerCodecAndKeepCodecsApart() {
        GatewayEvent event = new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:party_joined", "{}");
        AtomicInteger socketIoBuilds = new AtomicInteger();
        FrameCodec<String> socketIo = e -> {
            socketIoBuilds.incrementAndGet();
            return "42[\"" + e.type() + "\"]";
        };
        FrameCodec<byte[]> binary = e -> new byte[] {1};

        for (int socket = 0; socket < 1000; socket++) {
            assertThat(event.encodedFor(socketIo)).isEqualTo("42[\"escrow:party_joined\"]");
        }
        assertThat(event.encodedFor(binary)).containsExactly(1);
        assertThat(socketIoBuilds).hasValue(1);
        assertThat(event.nativeFrame()).startsWith("{\"type\"");
    }

    @Test
    void shouldStillEncodeWhenTooManyCodecsAreUsed() {
        GatewayEvent event = new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:party_joined", "{}");
        for (int i = 0; i < 20; i++) {
            String expected = "codec-" + i;
            FrameCodec<String> oneOff = e -> expected;
            assertThat(event.encodedFor(oneOff)).isEqualTo(expected);
        }
    }

    @Test
    void shouldEstimateItsSizeFromTheNativeFrame() {
        GatewayEvent event = new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:party_joined", "{\"a\":1}");

        assertThat(event.sizeBytes()).isEqualTo(event.nativeFrame().length());
    }

    // Guards the replay window's byte bound: the data keeps text outside Latin-1 at two bytes a character, and the
    // cached frames, kept in UTF-8, at their UTF-8 length (é: one byte in a String, two in UTF-8); both counted so.
    @Test
    void shouldCountTextOutsideLatin1AtTwoBytesACharacter() {
        GatewayEvent latin1 = new GatewayEvent("escrow:e1", POSITION, "ce-1", "notification:new",
                "{\"t\":\"" + "\u00e9".repeat(1000) + "\"}");
        GatewayEvent wide = new GatewayEvent("escrow:e1", POSITION, "ce-1", "notification:new",
                "{\"t\":\"" + "\u017e".repeat(1000) + "\"}");

        assertThat(latin1.retainedBytes()).as("the data and two frames in UTF-8").isGreaterThan(1000 + 2 * 2 * 1000);
        assertThat(wide.retainedBytes() - latin1.retainedBytes()).as("ž: two bytes in a String")
                .isGreaterThanOrEqualTo(1000);
        assertThat(wide.nativeFrameBytes().remaining()).isGreaterThan(2 * 1000);
    }

    // Guards the replay window's byte bound: the frames an event keeps are within what retainedBytes counted; a
    // codec's frame beyond that is built for each use instead of kept.
    @Test
    void shouldCacheNoMoreFramesThanItCounts() {
        GatewayEvent event = new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:party_joined", "{\"a\":1}");
        FrameCodec<byte[]> socketIoLike = e -> ("42[" + e.nativeFrame().substring(1)).getBytes(StandardCharsets.UTF_8);
        FrameCodec<String> huge = e -> "x".repeat(10_000);

        assertThat(event.nativeFrameBytes()).isSameAs(event.nativeFrameBytes());
        assertThat(event.encodedFor(socketIoLike)).isSameAs(event.encodedFor(socketIoLike));
        assertThat(event.encodedFor(huge)).isEqualTo("x".repeat(10_000)).isNotSameAs(event.encodedFor(huge));
    }

    @Test
    void shouldRefuseTypesOutsideTheContractAndDataThatIsNotAnObject() {
        assertThatThrownBy(() -> new GatewayEvent("escrow:e1", POSITION, "ce-1", "escrow:unknown", "{}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GatewayEvent("escrow:e1", POSITION, "ce-1", "notification:new", "[1]"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
