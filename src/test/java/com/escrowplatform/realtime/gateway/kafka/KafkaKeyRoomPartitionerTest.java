package com.escrowplatform.realtime.gateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.escrowplatform.realtime.gateway.event.ErrorCode;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.kafka.KafkaKeyRoomPartitioner.TopicLayout;
import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The partitioner must agree with the partition a real producer picks for the same key, or a reconnecting
 * client would be resumed from a partition its room's events were never written to. Each run produces to
 * fresh topics on the test broker and compares with what the broker acknowledged.
 */
class KafkaKeyRoomPartitionerTest {

    // counts that are not powers of two, so a wrong sign or modulo step shows up
    private static final int ESCROW_PARTITIONS = 12;
    private static final int USER_PARTITIONS = 7;

    private static Admin admin;
    private static String escrowTopic;
    private static String userTopic;
    private static KafkaKeyRoomPartitioner partitioner;

    @BeforeAll
    static void createTopics() throws Exception {
        String bootstrap = TestInfrastructure.kafka().bootstrapServers();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        String run = UUID.randomUUID().toString();
        escrowTopic = "partitioner-escrow-" + run;
        userTopic = "partitioner-user-" + run;
        admin.createTopics(List.of(
                new NewTopic(escrowTopic, ESCROW_PARTITIONS, (short) 1),
                new NewTopic(userTopic, USER_PARTITIONS, (short) 1))).all().get();
        Map<String, UUID> topicIds = topicIds();
        partitioner = new KafkaKeyRoomPartitioner(
                new TopicLayout(topicIds.get(escrowTopic), ESCROW_PARTITIONS),
                new TopicLayout(topicIds.get(userTopic), USER_PARTITIONS));
    }

    @AfterAll
    static void deleteTopics() throws Exception {
        if (admin != null) {
            try {
                admin.deleteTopics(List.of(escrowTopic, userTopic)).all().get();
            } finally {
                admin.close();
            }
        }
    }

    @Test
    void shouldPlaceEscrowRoomsOnThePartitionTheProducerWroteTheEscrowIdTo() throws Exception {
        List<String> escrowIds = IntStream.range(0, 200).mapToObj(i -> UUID.randomUUID().toString()).toList();

        Map<String, RecordMetadata> written = produce(escrowTopic, escrowIds);

        for (String id : escrowIds) {
            assertThat(partitioner.partitionOf("escrow:" + id).partition()).as("escrow:%s", id)
                    .isEqualTo(written.get(id).partition());
        }
        // 200 random keys leave a partition empty with a chance of about 3 in 10^7
        assertThat(written.values()).extracting(RecordMetadata::partition).as("the keys reached every partition")
                .containsAll(IntStream.range(0, ESCROW_PARTITIONS).boxed().toList());
    }

    @Test
    void shouldPlaceUserRoomsOnThePartitionTheProducerWroteTheSubjectTo() throws Exception {
        List<String> subjects = new ArrayList<>();
        // every key length from 1 to 12 bytes covers each tail length after murmur2's 4-byte blocks
        for (int length = 1; length <= 12; length++) {
            subjects.add("u".repeat(length));
        }
        subjects.add("user-42");
        subjects.add("x".repeat(Caller.MAX_USER_ID_LENGTH));
        // multi-byte UTF-8: the key is hashed as the bytes the producer's string serializer writes
        subjects.add("üser-ß-東京-😀");
        subjects.add("auth0|5f7c8ec7c33c6c004bbafe82");

        Map<String, RecordMetadata> written = produce(userTopic, subjects);

        for (String subject : subjects) {
            assertThat(partitioner.partitionOf("user:" + subject).partition()).as("user:%s", subject).isEqualTo(written.get(subject).partition());
        }
    }

    @Test
    void shouldNameTheTopicEachRoomKindIsProducedTo() throws Exception {
        Map<String, UUID> topicIds = topicIds();

        assertThat(partitioner.partitionOf("escrow:" + UUID.randomUUID()).topicId()).isEqualTo(topicIds.get(escrowTopic));
        assertThat(partitioner.partitionOf("user:user-42").topicId()).isEqualTo(topicIds.get(userTopic));
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

    private static Map<String, UUID> topicIds() throws Exception {
        Map<String, UUID> topicIds = new LinkedHashMap<>();
        admin.describeTopics(List.of(escrowTopic, userTopic)).allTopicNames().get()
                .forEach((name, description) -> topicIds.put(name, new UUID(
                        description.topicId().getMostSignificantBits(), description.topicId().getLeastSignificantBits())));
        return topicIds;
    }

    /** Writes one record per key with the producer's default partitioning; what the broker acknowledged, by key. */
    private static Map<String, RecordMetadata> produce(String topic, List<String> keys) throws Exception {
        Map<String, Future<RecordMetadata>> sent = new LinkedHashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            for (String key : keys) {
                sent.put(key, producer.send(new ProducerRecord<>(topic, key, "partitioner-check")));
            }
            producer.flush();
        }
        Map<String, RecordMetadata> written = new LinkedHashMap<>();
        for (Map.Entry<String, Future<RecordMetadata>> entry : sent.entrySet()) {
            written.put(entry.getKey(), entry.getValue().get());
        }
        return written;
    }
}
