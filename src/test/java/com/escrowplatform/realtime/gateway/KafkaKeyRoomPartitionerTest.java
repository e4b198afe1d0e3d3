package com.escrowplatform.realtime.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.escrowplatform.realtime.gateway.KafkaKeyRoomPartitioner.TopicLayout;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KafkaKeyRoomPartitionerTest {

    private static final UUID ESCROW_TOPIC = UUID.fromString("00000000-0000-0000-0000-0000000000e5");
    private static final UUID USER_TOPIC = UUID.fromString("00000000-0000-0000-0000-0000000000a5");
    private final KafkaKeyRoomPartitioner partitioner = new KafkaKeyRoomPartitioner(
            new TopicLayout(ESCROW_TOPIC, 12), new TopicLayout(USER_TOPIC, 12));

    // Reference values of Kafka's murmur2 (the same the Kafka client's own tests pin down): covers every
    // tail length (0 to 3 bytes after the 4-byte blocks).
    @ParameterizedTest
    @CsvSource({
        "21, -973932308",
        "foobar, -790332482",
        "abc, 479470107",
        "a-little-bit-long-string, -985981536",
        "a-little-bit-longer-string, -1486304829",
    })
    void shouldHashLikeKafkasDefaultPartitioner(String key, int expected) {
        assertThat(Murmur2.hash(key.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
    }

    @Test
    void shouldHashTheEmptyKey() {
        assertThat(Murmur2.hash(new byte[0])).isEqualTo(275646681);
    }

    @Test
    void shouldPlaceEscrowRoomsByTheEscrowIdOnTheEscrowTopic() {
        // murmur2("3f2c1d9e-8a4b-4c6d-9e0f-1a2b3c4d5e6f") = -1935660125; positive part mod 12 = 3
        assertThat(partitioner.partitionOf("escrow:3f2c1d9e-8a4b-4c6d-9e0f-1a2b3c4d5e6f"))
                .isEqualTo(new StreamPartition(ESCROW_TOPIC, 3));
    }

    @Test
    void shouldPlaceUserRoomsByTheSubjectOnTheNotificationTopic() {
        // murmur2("user-42") = 1459644460; mod 12 = 4
        assertThat(partitioner.partitionOf("user:user-42")).isEqualTo(new StreamPartition(USER_TOPIC, 4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "escrow:", "user:", "lobby:1", "ESCROW:1", "escrow"})
    void shouldRefuseNamesThatAreNotRooms(String room) {
        assertThatThrownBy(() -> partitioner.partitionOf(room))
                .isInstanceOf(GatewayException.class)
                .extracting(e -> ((GatewayException) e).code()).isEqualTo(ErrorCode.INVALID_ROOM);
    }

    @Test
    void shouldRefuseASubjectLongerThanTheContractAllows() {
        assertThatThrownBy(() -> partitioner.partitionOf("user:" + "x".repeat(129)))
                .isInstanceOf(GatewayException.class);
    }
}
