package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/** The stateless recovery pid and offsets: what one instance signs, another with the same secret resumes. */
class RecoveryTokensTest {
    static final byte[] SECRET = "a-secret-shared-by-every-instance".getBytes(StandardCharsets.UTF_8);
    static final UUID ESCROW_TOPIC = UUID.randomUUID();
    static final UUID USER_TOPIC = UUID.randomUUID();

    final RecoveryTokens instanceA = new RecoveryTokens(SECRET);
    final RecoveryTokens instanceB = new RecoveryTokens(SECRET.clone());

    @Test
    void shouldResumeOnAnotherInstanceEveryRoomAtItsPosition() {
        Map<String, StreamPosition> rooms = rooms();
        String pid = instanceA.pid("alice", 42L);
        String offset = instanceA.offset("alice", 42L, rooms);

        RecoveryTokens.Resumable resumed = instanceB.resume("alice", pid, offset).orElseThrow();
        assertThat(resumed.userId()).isEqualTo("alice");
        assertThat(resumed.nonce()).isEqualTo(42L);
        assertThat(named(resumed.rooms())).containsExactlyEntriesOf(rooms);
        assertThat(offset).matches("[A-Za-z0-9_-]+").hasSizeLessThan(200);
    }

    @Test
    void shouldRefuseAnotherUserAnotherSecretAMismatchedPidAndTampering() {
        String pid = instanceA.pid("alice", 42L);
        String offset = instanceA.offset("alice", 42L, rooms());
        assertThat(instanceB.resume("mallory", pid, offset)).isEmpty();
        assertThat(new RecoveryTokens("another-secret-of-enough-bytes".getBytes(StandardCharsets.UTF_8))
                .resume("alice", pid, offset)).isEmpty();
        assertThat(instanceB.resume("alice", instanceA.pid("alice", 43L), offset)).isEmpty();
        assertThat(instanceB.resume("alice", pid, null)).isEmpty();
        assertThat(instanceB.resume("alice", offset, pid)).isEmpty();
        assertThat(instanceB.resume("alice", pid, RecoveryTokens.NOT_RESUMABLE)).isEmpty();
        char[] chars = offset.toCharArray();
        chars[10] = chars[10] == 'A' ? 'B' : 'A';
        assertThat(instanceB.resume("alice", pid, new String(chars))).isEmpty();
    }

    @Test
    void shouldKeepAnEmptyPartitionsPositionOfMinusOne() {
        Map<String, StreamPosition> rooms = Map.of("user:bob", new StreamPosition(USER_TOPIC, 0, -1));
        String pid = instanceA.pid("bob", 7L);
        assertThat(named(instanceB.resume("bob", pid, instanceA.offset("bob", 7L, rooms)).orElseThrow().rooms()))
                .isEqualTo(rooms);
    }

    @Test
    void shouldGiveAnUnresumableOffsetBeyondTheRoomLimit() {
        Map<String, StreamPosition> many = new LinkedHashMap<>();
        for (int i = 0; i <= RecoveryTokens.MAX_ROOMS; i++) {
            many.put("escrow:" + UUID.randomUUID(), new StreamPosition(ESCROW_TOPIC, i % 6, i));
        }
        assertThat(instanceA.offset("carol", 1L, many)).isEqualTo(RecoveryTokens.NOT_RESUMABLE);
    }

    @Test
    void shouldLeaveOutRoomsThatAreNeitherTheUsersOwnNorAnEscrows() {
        UUID escrow = UUID.randomUUID();
        Map<String, StreamPosition> rooms = new LinkedHashMap<>();
        rooms.put("user:dave", new StreamPosition(USER_TOPIC, 1, 5));
        rooms.put("user:someone-else", new StreamPosition(USER_TOPIC, 2, 6));
        rooms.put("escrow:not-a-uuid", new StreamPosition(ESCROW_TOPIC, 3, 7));
        rooms.put("escrow:" + escrow, new StreamPosition(ESCROW_TOPIC, 4, 8));
        String pid = instanceA.pid("dave", 9L);

        RecoveryTokens.Resumable resumed = instanceB.resume("dave", pid, instanceA.offset("dave", 9L, rooms)).orElseThrow();

        assertThat(resumed.rooms()).containsExactly(
                Map.entry(new Room.UserRoom("dave"), new StreamPosition(USER_TOPIC, 1, 5)),
                Map.entry(new Room.EscrowRoom(escrow), new StreamPosition(ESCROW_TOPIC, 4, 8)));
    }

    /** The resumed rooms by name, as the socket records them. */
    private static Map<String, StreamPosition> named(Map<Room, StreamPosition> rooms) {
        Map<String, StreamPosition> named = new LinkedHashMap<>();
        rooms.forEach((room, position) -> named.put(room.name(), position));
        return named;
    }

    private static Map<String, StreamPosition> rooms() {
        Map<String, StreamPosition> rooms = new LinkedHashMap<>();
        rooms.put("user:alice", new StreamPosition(USER_TOPIC, 3, 1_000_000L));
        rooms.put("escrow:" + UUID.randomUUID(), new StreamPosition(ESCROW_TOPIC, 5, 17));
        rooms.put("escrow:" + UUID.randomUUID(), new StreamPosition(ESCROW_TOPIC, 0, 0));
        return rooms;
    }
}
