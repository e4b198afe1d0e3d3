package com.escrowplatform.realtime.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventIdsTest {

    private static final String ROOM = "escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1";
    private static final UUID TOPIC = UUID.fromString("0f8b6a1c-2d3e-4f50-8a9b-c0d1e2f3a4b5");

    @Test
    void shouldRoundTripAnEventId() {
        StreamPosition position = new StreamPosition(TOPIC, 7, 123_456L);

        EventIds.Decoded decoded = EventIds.decode(EventIds.encode(ROOM, position), ROOM);

        assertThat(decoded).isEqualTo(new EventIds.OfEvent(position));
        assertThat(decoded.seenThrough()).isEqualTo(position);
    }

    @Test
    void shouldRoundTripAStreamEndMarkOfAnEmptyPartition() {
        StreamPosition nothingYet = new StreamPosition(TOPIC, 0, -1);

        EventIds.Decoded decoded = EventIds.decode(EventIds.encodePosition(ROOM, nothingYet), ROOM);

        assertThat(decoded).isEqualTo(new EventIds.OfStreamEnd(nothingYet));
    }

    @Test
    void shouldStayWithinSixtyFourUrlSafeCharactersForTheLargestValues() {
        StreamPosition largest = new StreamPosition(
                new UUID(-1L, -1L), Integer.MAX_VALUE, Long.MAX_VALUE - 1);

        String id = EventIds.encode(ROOM, largest);

        assertThat(id).hasSizeLessThanOrEqualTo(EventIds.MAX_LENGTH).matches("[A-Za-z0-9_-]+");
        assertThat(EventIds.decode(id, ROOM).seenThrough()).isEqualTo(largest);
    }

    @Test
    void shouldRoundTripOffsetsAroundVarintBoundaries() {
        long[] offsets = {0, 1, 126, 127, 128, 16_383, 16_384, Integer.MAX_VALUE, 1L << 56, Long.MAX_VALUE - 1};
        for (long offset : offsets) {
            StreamPosition position = new StreamPosition(TOPIC, 300, offset);
            assertThat(EventIds.decode(EventIds.encode(ROOM, position), ROOM).seenThrough()).isEqualTo(position);
        }
    }

    @Test
    void shouldRefuseAnIdPresentedForAnotherRoom() {
        String id = EventIds.encode(ROOM, new StreamPosition(TOPIC, 1, 10));

        assertThatThrownBy(() -> EventIds.decode(id, "escrow:another"))
                .isInstanceOf(InvalidEventIdException.class)
                .hasMessageContaining("another room")
                .extracting(e -> ((GatewayException) e).code().wireName()).isEqualTo("invalid_event_id");
    }

    @Test
    void shouldRefuseEverySingleCharacterTampering() {
        String id = EventIds.encode(ROOM, new StreamPosition(TOPIC, 3, 987_654));
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (int i = 0; i < id.length(); i++) {
            for (char replacement : alphabet.toCharArray()) {
                if (replacement == id.charAt(i)) {
                    continue;
                }
                String tampered = id.substring(0, i) + replacement + id.substring(i + 1);
                assertThatThrownBy(() -> EventIds.decode(tampered, ROOM))
                        .as("tampered at %d with %s", i, replacement)
                        .isInstanceOf(InvalidEventIdException.class);
            }
        }
    }

    @Test
    void shouldRefuseEveryTruncation() {
        String id = EventIds.encode(ROOM, new StreamPosition(TOPIC, 3, 987_654));
        for (int length = 0; length < id.length(); length++) {
            String truncated = id.substring(0, length);
            assertThatThrownBy(() -> EventIds.decode(truncated, ROOM)).isInstanceOf(InvalidEventIdException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "AQ==", "ab+/cd", "a b", "é"})
    void shouldRefuseTextThatIsNotUnpaddedUrlSafeBase64(String id) {
        assertThatThrownBy(() -> EventIds.decode(id, ROOM)).isInstanceOf(InvalidEventIdException.class);
    }

    @Test
    void shouldRefuseAnIdLongerThanTheContractAllows() {
        assertThatThrownBy(() -> EventIds.decode("A".repeat(EventIds.MAX_LENGTH + 1), ROOM))
                .isInstanceOf(InvalidEventIdException.class)
                .hasMessageContaining("longer");
    }

    @Test
    void shouldRefuseNullAndEmpty() {
        assertThatThrownBy(() -> EventIds.decode(null, ROOM)).isInstanceOf(InvalidEventIdException.class);
        assertThatThrownBy(() -> EventIds.decode("", ROOM)).isInstanceOf(InvalidEventIdException.class);
    }

    @Test
    void shouldRefuseAnUnknownFormatVersion() {
        byte[] bytes = Base64.getUrlDecoder().decode(EventIds.encode(ROOM, new StreamPosition(TOPIC, 0, 5)));
        bytes[0] = 2;
        String otherVersion = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

        assertThatThrownBy(() -> EventIds.decode(otherVersion, ROOM))
                .isInstanceOf(InvalidEventIdException.class)
                .hasMessageContaining("version");
    }

    @Test
    void shouldRefuseTrailingBytesEvenWithAValidLookingPrefix() {
        String id = EventIds.encode(ROOM, new StreamPosition(TOPIC, 0, 5));
        assertThatThrownBy(() -> EventIds.decode(id + "AAAA", ROOM)).isInstanceOf(InvalidEventIdException.class);
    }

    @Test
    void shouldNotEncodeAnEventIdWithoutAnOffset() {
        assertThatThrownBy(() -> EventIds.encode(ROOM, new StreamPosition(TOPIC, 0, -1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldGiveDifferentIdsToDifferentPositionsAndRooms() {
        StreamPosition position = new StreamPosition(TOPIC, 0, 5);
        assertThat(EventIds.encode(ROOM, position))
                .isNotEqualTo(EventIds.encode(ROOM, new StreamPosition(TOPIC, 0, 6)))
                .isNotEqualTo(EventIds.encode("user:alice", position))
                .isNotEqualTo(EventIds.encodePosition(ROOM, position));
    }
}
