package com.escrowplatform.realtime.gateway.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.escrowplatform.realtime.gateway.event.Room.EscrowRoom;
import com.escrowplatform.realtime.gateway.event.Room.UserRoom;
import com.escrowplatform.realtime.security.Caller;

/** The one parser of room names: what it accepts and refuses is what every client may subscribe to. */
class RoomTest {

    private static final UUID ESCROW = UUID.fromString("5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1");

    @Test
    void shouldParseAnEscrowRoom() {
        Room room = Room.parse("escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1");

        assertThat(room).isEqualTo(new EscrowRoom(ESCROW));
        assertThat(room.subject()).isEqualTo("5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1");
    }

    @Test
    void shouldParseAUserRoom() {
        Room room = Room.parse("user:auth0|5f7c8ec7c33c6c004bbafe82");

        assertThat(room).isEqualTo(new UserRoom("auth0|5f7c8ec7c33c6c004bbafe82"));
        assertThat(room.subject()).isEqualTo("auth0|5f7c8ec7c33c6c004bbafe82");
    }

    @Test
    void shouldAcceptAUserIdOfTheLongestSubject() {
        String longest = "x".repeat(Caller.MAX_USER_ID_LENGTH);

        assertThat(Room.parse("user:" + longest)).isEqualTo(new UserRoom(longest));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "escrow", "user", "lobby", "lobby:1", "ESCROW:" + "5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1",
            "User:alice", " user:alice", "escrow-5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1"})
    void shouldRefuseANameWithoutARoomPrefix(String name) {
        assertRefused(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"escrow:", "escrow:not-a-uuid", "escrow:e1", "escrow:5b0c7a8e-3f43-4d0e-9a52",
            "escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1-00", "escrow: 5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1"})
    void shouldRefuseAnEscrowRoomWhoseIdIsNoUuid(String name) {
        assertRefused(name);
    }

    @Test
    void shouldRefuseAnEmptyOrTooLongUserId() {
        assertRefused("user:");
        assertRefused("user:" + "x".repeat(Caller.MAX_USER_ID_LENGTH + 1));
    }

    @Test
    void shouldRefuseNull() {
        assertRefused(null);
    }

    @Test
    void shouldNameEachRoomAsOnTheWire() {
        assertThat(new EscrowRoom(ESCROW).name()).isEqualTo("escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1");
        assertThat(new UserRoom("alice").name()).isEqualTo("user:alice");
        assertThat(new EscrowRoom(ESCROW)).hasToString("escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1");
        assertThat(new UserRoom("alice")).hasToString("user:alice");
    }

    @Test
    void shouldRoundTripThroughItsName() {
        for (Room room : new Room[] {new EscrowRoom(ESCROW), new EscrowRoom(UUID.randomUUID()), new UserRoom("alice"),
                new UserRoom("üser-ß-東京-😀"), new UserRoom("user:nested"), new UserRoom("x".repeat(Caller.MAX_USER_ID_LENGTH))}) {
            assertThat(Room.parse(room.name())).as(room.name()).isEqualTo(room);
            assertThat(Room.parse(room.name()).name()).isEqualTo(room.name());
        }
    }

    // The gateway has always read escrow ids with UUID.fromString; the room's name is the canonical form.
    @Test
    void shouldNameAnEscrowRoomByTheCanonicalFormOfItsId() {
        assertThat(Room.parse("escrow:5B0C7A8E-3F43-4D0E-9A52-52F1F0C4D7A1").name())
                .isEqualTo("escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1");
    }

    @Test
    void shouldRefuseToBuildAUserRoomOfNoUserId() {
        assertThatThrownBy(() -> new UserRoom("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UserRoom(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new EscrowRoom(null)).isInstanceOf(NullPointerException.class);
    }

    private static void assertRefused(String name) {
        assertThatThrownBy(() -> Room.parse(name))
                .isInstanceOf(GatewayException.class)
                .hasMessage("not a room: " + name)
                .extracting(e -> ((GatewayException) e).code()).isEqualTo(ErrorCode.INVALID_ROOM);
    }
}
