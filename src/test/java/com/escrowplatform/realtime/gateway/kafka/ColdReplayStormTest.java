package com.escrowplatform.realtime.gateway.kafka;

import static com.escrowplatform.realtime.testsupport.ForeignRecords.cloudEvent;
import static com.escrowplatform.realtime.testsupport.ForeignRecords.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.DefaultLimits;
import com.escrowplatform.realtime.gateway.Hub;
import com.escrowplatform.realtime.gateway.RecordingPeer;
import com.escrowplatform.realtime.gateway.Subscribed;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

/**
 * A reconnect storm on the cold path: more clients resume from positions the window no longer holds than the
 * Kafka readers may have waiting, against the test broker with the real {@link KafkaReplayReader}.
 */
class ColdReplayStormTest {
    static final int PARTITIONS = 2;
    static final int ROOMS = 60;
    static final int EVENTS_PER_ROOM = 40;
    static final int FILLER_RECORDS = 20_000;
    static final int RESUMES = 400;
    static final int MAX_PENDING = 50;
    static final Duration DEADLINE = Duration.ofSeconds(5);
    /** Room for the timer thread on a loaded machine; without the bound the last reply came after 100 s. */
    static final Duration GRACE = Duration.ofSeconds(4);

    static String topicName;
    static KafkaLiveConsumer.Topic topic;
    static KafkaKeyRoomPartitioner partitioner;
    /** Per room: the offsets of its events, in order. */
    static final Map<String, List<Long>> offsetsByRoom = new HashMap<>();
    static final List<String> rooms = new ArrayList<>();
    /** Per partition: its log end once written. */
    static final Map<Integer, Long> ends = new HashMap<>();

    @BeforeAll
    static void writeTheTopic() throws Exception {
        String bootstrap = TestInfrastructure.kafka().bootstrapServers();
        topicName = "cold-storm-" + UUID.randomUUID();
        TopicDescription described;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topicName, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            described = admin.describeTopics(List.of(topicName)).allTopicNames().get(30, TimeUnit.SECONDS).get(topicName);
        }
        UUID topicId = new UUID(described.topicId().getMostSignificantBits(), described.topicId().getLeastSignificantBits());
        topic = new KafkaLiveConsumer.Topic(topicName, topicId, PARTITIONS, CloudEventShape.SourceTopic.ESCROW_EVENTS);
        partitioner = new KafkaKeyRoomPartitioner(new KafkaKeyRoomPartitioner.TopicLayout(topicId, PARTITIONS),
                new KafkaKeyRoomPartitioner.TopicLayout(UUID.randomUUID(), 1));

        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            // other escrows' records first: what a cold read scans past
            for (int i = 0; i < FILLER_RECORDS; i++) {
                producer.send(record(UUID.randomUUID().toString(), 1));
            }
            List<String> escrowIds = new ArrayList<>();
            for (int r = 0; r < ROOMS; r++) {
                escrowIds.add(UUID.randomUUID().toString());
                rooms.add(Room.ESCROW_PREFIX + escrowIds.get(r));
            }
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int version = 1; version <= EVENTS_PER_ROOM; version++) {
                for (String escrowId : escrowIds) {
                    sent.add(producer.send(record(escrowId, version)));
                }
            }
            producer.flush();
            for (int i = 0; i < sent.size(); i++) {
                RecordMetadata written = sent.get(i).get();
                offsetsByRoom.computeIfAbsent(rooms.get(i % ROOMS), r -> new ArrayList<>()).add(written.offset());
            }
        }
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(readerConfig(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(topicName, p));
            }
            consumer.endOffsets(partitions, Duration.ofSeconds(30)).forEach((tp, end) -> ends.put(tp.partition(), end));
        }
    }

    /**
     * Two live events per room, published as the live consumer would once the partitions grow past their
     * current end (this thread plays the consumer). Returns each room's live offsets.
     */
    static Map<String, List<Long>> publishLive(Hub hub) {
        Map<Integer, Long> next = new HashMap<>(ends);
        Map<String, List<Long>> live = new HashMap<>();
        for (int round = 0; round < 2; round++) {
            for (String room : rooms) {
                StreamPartition stream = partitioner.partitionOf(room);
                long offset = next.merge(stream.partition(), 1L, Long::sum) - 1;
                hub.publish(new GatewayEvent(room, stream.at(offset), "live-" + UUID.randomUUID(),
                        "escrow:status_changed", "{\"live\":" + round + "}"));
                live.computeIfAbsent(room, r -> new ArrayList<>()).add(offset);
            }
        }
        return live;
    }

    static Map<String, Object> readerConfig() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG, "cold-storm-reader",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }

    /** One resume: who asked, from where, when, and what it got. */
    record Resume(RecordingPeer peer, String room, StreamPosition after, long askedNanos,
            CompletableFuture<Long> repliedNanos, boolean answeredAtOnce, List<Long> expectedOffsets) {
    }

    private static ProducerRecord<String, byte[]> record(String escrowId, int version) {
        byte[] value = utf8("{\"escrowId\":\"" + escrowId + "\",\"version\":" + version + ",\"to\":\"ACTIVE\"}");
        return cloudEvent(topicName, UUID.randomUUID().toString(), "escrow:status_changed", escrowId, escrowId, value);
    }

    static List<Resume> resumeAll(Hub hub) {
        List<Resume> resumes = new ArrayList<>();
        for (int i = 0; i < RESUMES; i++) {
            String room = rooms.get(i % ROOMS);
            List<Long> offsets = offsetsByRoom.get(room);
            int seen = i % (EVENTS_PER_ROOM / 2); // each client saw a different number of its room's events
            StreamPosition after = partitioner.partitionOf(room).at(offsets.get(seen));
            RecordingPeer peer = RecordingPeer.openOn(hub);
            CompletableFuture<Long> replied = new CompletableFuture<>();
            long asked = System.nanoTime();
            peer.subscribe(room, Optional.of(after), reply -> {
                peer.reply(reply);
                replied.complete(System.nanoTime());
            });
            resumes.add(new Resume(peer, room, after, asked, replied, replied.isDone(),
                    offsets.subList(seen + 1, offsets.size())));
        }
        return resumes;
    }

    static Duration sinceAsked(Resume resume) {
        return Duration.ofNanos(resume.repliedNanos().join() - resume.askedNanos());
    }

    static Subscribed reply(Resume resume) {
        return (Subscribed) resume.peer().frames().get(0);
    }

    // Guards the bounds of the cold path: with more cold resumes at once than may wait, the overflow is answered
    // recovered:false at once, every other reply comes within the read deadline counted from the request, each
    // recovered one replays exactly the room's missed events, and waiting requests of a partition share one read.
    @Test
    void shouldBoundWaitingColdReplaysAndServeEachPartitionsWaitersWithOneRead() {
        KafkaReplayReader reader = new KafkaReplayReader(Map.of(topic.topicId(), topic), partitioner, readerConfig(),
                new KafkaReplayReader.Limits(2, MAX_PENDING, DEADLINE, 200_000, 4096));
        try {
            Hub hub = new Hub(new InMemoryReplayWindow(partitioner, 5, 1 << 20), reader, partitioner,
                    DefaultLimits.HUB);
            long start = System.nanoTime();
            List<Resume> resumes = resumeAll(hub);
            Map<String, List<Long>> live = publishLive(hub); // while most replays still wait: held back
            Awaitility.await("every resume answered").atMost(Duration.ofMinutes(3))
                    .until(() -> resumes.stream().allMatch(r -> r.repliedNanos().isDone()));
            Duration slowest = resumes.stream().map(ColdReplayStormTest::sinceAsked).max(Duration::compareTo)
                    .orElseThrow();
            long last = resumes.stream().mapToLong(r -> r.repliedNanos().join()).max().orElseThrow();
            List<Resume> refusedAtOnce = resumes.stream().filter(Resume::answeredAtOnce).toList();
            List<Resume> recovered = resumes.stream().filter(r -> reply(r).recovered()).toList();
            String figures = String.format("%d resumes: last reply %d ms after the first request, slowest %d ms after"
                    + " its own; %d refused at once, %d recovered, %d reads for %d read requests", RESUMES,
                    Duration.ofNanos(last - start).toMillis(), slowest.toMillis(), refusedAtOnce.size(),
                    recovered.size(), reader.reads(), reader.readRequests());

            // overflow: answered before subscribe() returned, recovered:false, counted
            assertThat(refusedAtOnce).as(figures).isNotEmpty().allMatch(r -> !reply(r).recovered());
            assertThat(reader.refusedBusy()).as(figures).isEqualTo(refusedAtOnce.size());
            // the deadline counts from the request; the grace is for the timer thread to be scheduled
            assertThat(slowest).as(figures).isLessThanOrEqualTo(DEADLINE.plus(GRACE));
            // what was recovered is exactly what the room missed, once and in order, then the live events with no
            // gap or repeat at the seam; what was not recovered replays nothing and gets the live events
            assertThat(recovered).as(figures).isNotEmpty();
            for (Resume resume : resumes) {
                List<Long> replayed = reply(resume).recovered() ? resume.expectedOffsets() : List.of();
                List<Long> expected = new ArrayList<>(replayed);
                expected.addAll(live.get(resume.room()));
                assertThat(resume.peer().offsets()).as("%s after %s (%s)", resume.room(), resume.after(), figures)
                        .containsExactlyElementsOf(expected);
                assertThat(reply(resume).replayed()).isEqualTo(replayed.size());
            }
            // batching: the requests waiting for one partition were served by one read
            assertThat(reader.reads()).as(figures).isPositive().isLessThan(reader.readRequests() / 2);
            assertThat(reader.pending()).as("every place released").isZero();
        } finally {
            reader.close();
        }
    }

    // Guards the deadline: it counts from the request, not from when a reader takes it, so replays that wait
    // behind a slow read are answered recovered:false at their deadline, with nothing replayed.
    @Test
    void shouldAnswerAtTheDeadlineCountedFromTheRequestWhenTheReadersAreSlower() {
        Duration deadline = Duration.ofMillis(300);
        KafkaReplayReader reader = new KafkaReplayReader(Map.of(topic.topicId(), topic), partitioner, readerConfig(),
                new KafkaReplayReader.Limits(1, RESUMES, deadline, 200_000, 4096));
        try {
            Hub hub = new Hub(new InMemoryReplayWindow(partitioner, 5, 1 << 20), reader, partitioner,
                    DefaultLimits.HUB);
            List<Resume> resumes = resumeAll(hub);
            Awaitility.await("every resume answered").atMost(Duration.ofMinutes(3))
                    .until(() -> resumes.stream().allMatch(r -> r.repliedNanos().isDone()));
            Duration slowest = resumes.stream().map(ColdReplayStormTest::sinceAsked).max(Duration::compareTo)
                    .orElseThrow();
            List<Resume> late = resumes.stream().filter(r -> !reply(r).recovered()).toList();

            assertThat(slowest).isLessThanOrEqualTo(deadline.plus(GRACE));
            assertThat(late).as("answered at the deadline").isNotEmpty().allMatch(r -> r.peer().events().isEmpty());
            assertThat(reader.timedOut()).isEqualTo(late.size());
            assertThat(reader.refusedBusy()).isZero();
            Awaitility.await("every place released").atMost(Duration.ofSeconds(30)).until(() -> reader.pending() == 0);
        } finally {
            reader.close();
        }
    }
}
