package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

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
        assertThat(resumed.rooms()).containsExactlyEntriesOf(rooms);
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
        assertThat(instanceB.resume("bob", pid, instanceA.offset("bob", 7L, rooms)).orElseThrow().rooms())
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

    private static Map<String, StreamPosition> rooms() {
        Map<String, StreamPosition> rooms = new LinkedHashMap<>();
        rooms.put("user:alice", new StreamPosition(USER_TOPIC, 3, 1_000_000L));
        rooms.put("escrow:" + UUID.randomUUID(), new StreamPosition(ESCROW_TOPIC, 5, 17));
        rooms.put("escrow:" + UUID.randomUUID(), new StreamPosition(ESCROW_TOPIC, 0, 0));
        return rooms;
    }
}
