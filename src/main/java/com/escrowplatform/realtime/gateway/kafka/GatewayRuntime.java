package com.escrowplatform.realtime.gateway.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.admin.TopicDescription;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.GatewayConfig;
import com.escrowplatform.realtime.gateway.Hub;
import com.escrowplatform.realtime.gateway.HubLimits;
import com.escrowplatform.realtime.gateway.SocketCounters;
import com.escrowplatform.realtime.gateway.SocketProtocol;
import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.GatewayException;
import com.escrowplatform.realtime.gateway.event.Room;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow;
import com.escrowplatform.realtime.kafka.KafkaClients;
import com.escrowplatform.realtime.kafka.KafkaTopics;
import com.escrowplatform.realtime.kafka.TopicsConfig;
import com.escrowplatform.realtime.outbox.EventTypes;
import com.escrowplatform.realtime.security.PartyAuthorizer;
import com.escrowplatform.realtime.tracing.EventTracing;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Builds the gateway at start-up: learns the topics' identities and partition counts, then wires the
 * {@link Hub} to its replay window, its cold Kafka reader and the live consumer, and exposes their figures
 * as metrics. The hub exists once this instance starts serving; without Kafka the instance does not start.
 *
 * <p>The hub is a bean ({@link #hub()}) for the {@link com.escrowplatform.realtime.gateway.Gateway}. It exists only
 * once {@link #start} has run, so nothing may inject it before the {@code StartupEvent}: the gateway does so when it
 * is first called, which is when a socket opens, and sockets are accepted only after start-up.
 */
@ApplicationScoped
public class GatewayRuntime {
    private static final Logger LOG = Logger.getLogger(GatewayRuntime.class);

    private final KafkaClients kafka;
    private final KafkaTopics kafkaTopics;
    private final TopicsConfig topicsConfig;
    private final GatewayConfig config;
    private final LiveConsumerConfig liveConsumerConfig;
    private final PartyAuthorizer parties;
    private final MeterRegistry registry;
    private final EventTracing tracing;

    private volatile Hub hub;
    private RoomPartitioner partitioner;
    private volatile KafkaLiveConsumer liveConsumer;
    private KafkaReplayReader coldReader;

    public GatewayRuntime(KafkaClients kafka, KafkaTopics kafkaTopics, TopicsConfig topicsConfig, GatewayConfig config,
            LiveConsumerConfig liveConsumerConfig, PartyAuthorizer parties, MeterRegistry registry,
            EventTracing tracing) {
        this.kafka = kafka;
        this.kafkaTopics = kafkaTopics;
        this.topicsConfig = topicsConfig;
        this.config = config;
        this.liveConsumerConfig = liveConsumerConfig;
        this.parties = parties;
        this.registry = registry;
        this.tracing = tracing;
    }

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        kafkaTopics.ensure();
        Map<String, TopicDescription> described = kafka.admin()
                .describeTopics(List.of(topicsConfig.escrowEvents(), topicsConfig.userNotifications()))
                .allTopicNames().get(30, TimeUnit.SECONDS);
        KafkaLiveConsumer.Topic escrowTopic = topic(described.get(topicsConfig.escrowEvents()),
                CloudEventShape.SourceTopic.ESCROW_EVENTS);
        KafkaLiveConsumer.Topic userTopic = topic(described.get(topicsConfig.userNotifications()),
                CloudEventShape.SourceTopic.USER_NOTIFICATIONS);
        Map<UUID, KafkaLiveConsumer.Topic> byId = new HashMap<>();
        byId.put(escrowTopic.topicId(), escrowTopic);
        byId.put(userTopic.topicId(), userTopic);

        KafkaKeyRoomPartitioner keyPartitioner = new KafkaKeyRoomPartitioner(
                new KafkaKeyRoomPartitioner.TopicLayout(escrowTopic.topicId(), escrowTopic.partitions()),
                new KafkaKeyRoomPartitioner.TopicLayout(userTopic.topicId(), userTopic.partitions()));
        partitioner = keyPartitioner;
        InMemoryReplayWindow window = new InMemoryReplayWindow(partitioner, config.windowEventsPerPartition(),
                config.windowBytesPerPartition());
        coldReader = new KafkaReplayReader(byId, partitioner, kafka.groupLessConsumer("escrow-realtime-replay"),
                new KafkaReplayReader.Limits(config.coldReaders(), config.coldMaxPending(), config.coldReadDeadline(),
                        config.coldScanLimit(), config.dedupeIdsPerPartition()));
        registerColdReaderMetrics(coldReader);
        hub = new Hub(window, coldReader, partitioner, HubLimits.from(config));
        liveConsumer = new KafkaLiveConsumer(kafka.groupLessConsumer("escrow-realtime-live"),
                new ArrayList<>(byId.values()), hub, window, config.windowEventsPerPartition(), this::afterPublish,
                liveConsumerConfig, keyPartitioner, tracing);
        liveConsumer.start();
        registerMetrics(window);
        LOG.infof("gateway ready: %s (%d partitions), %s (%d partitions)", escrowTopic.name(), escrowTopic.partitions(),
                userTopic.name(), userTopic.partitions());
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (liveConsumer != null) {
            liveConsumer.stop();
        }
        if (coldReader != null) {
            coldReader.close();
        }
    }

    @Produces
    @Singleton
    Hub hub() {
        return started(hub);
    }

    /** The partitioner the hub was built with; once {@link #start} has run. */
    RoomPartitioner partitioner() {
        return started(partitioner);
    }

    private static <T> T started(T part) {
        if (part == null) {
            throw new IllegalStateException("the gateway is used before it started");
        }
        return part;
    }

    /** The live consumer is consuming (false before start-up finished and while it restarts after a failure). */
    public boolean liveConsumerUp() {
        KafkaLiveConsumer current = liveConsumer;
        return current != null && current.isUp();
    }

    /** Times the live consumer was rebuilt after a failure. */
    public long liveConsumerRestarts() {
        KafkaLiveConsumer current = liveConsumer;
        return current == null ? 0 : current.restarts();
    }

    KafkaLiveConsumer liveConsumer() {
        return liveConsumer;
    }

    /** A joined party may now subscribe: forget the cached party list of that escrow. Consumer thread. */
    private void afterPublish(GatewayEvent event) {
        if (EventTypes.PARTY_JOINED.equals(event.type())) {
            try {
                if (Room.parse(event.room()) instanceof Room.EscrowRoom escrow) {
                    parties.forget(escrow.escrowId());
                }
            } catch (GatewayException notAUuid) {
                // a foreign producer's key that is no escrow of ours: nothing cached under it
            }
        }
    }

    private static KafkaLiveConsumer.Topic topic(TopicDescription description, CloudEventShape.SourceTopic source) {
        org.apache.kafka.common.Uuid id = description.topicId();
        return new KafkaLiveConsumer.Topic(description.name(),
                new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits()), description.partitions().size(),
                source);
    }

    private void registerColdReaderMetrics(KafkaReplayReader reader) {
        Gauge.builder("escrow.gateway.cold.pending", reader, KafkaReplayReader::pending)
                .description("Cold replays waiting for or being read by the Kafka readers").register(registry);
        FunctionCounter.builder("escrow.gateway.cold.reads", reader, KafkaReplayReader::reads)
                .description("Partition seeks and scans; one serves every cold replay of its partition that waited")
                .register(registry);
        FunctionCounter.builder("escrow.gateway.cold.read.requests", reader, KafkaReplayReader::readRequests)
                .description("Cold replays served by those reads").register(registry);
        FunctionCounter.builder("escrow.gateway.cold.refused", reader, KafkaReplayReader::refusedBusy).tag("reason", "busy")
                .description("Cold replays answered recovered:false at once: cold-max-pending were waiting")
                .register(registry);
        FunctionCounter.builder("escrow.gateway.cold.refused", reader, KafkaReplayReader::timedOut).tag("reason", "deadline")
                .description("Cold replays answered recovered:false at cold-read-deadline").register(registry);
    }

    /** The series of the sockets, by protocol; rooms, the window and the consumer are shared by both. */
    private void registerSocketMetrics(SocketProtocol protocol, SocketCounters counters) {
        Tags tags = Tags.of("protocol", protocol.tag());
        Gauge.builder("escrow.gateway.sockets", counters, SocketCounters::openSockets).tags(tags)
                .description("Open sockets registered with the hub, by protocol (a Socket.IO socket once connected)")
                .register(registry);
        Gauge.builder("escrow.gateway.subscriptions", counters, SocketCounters::subscriptions).tags(tags)
                .description("Room subscriptions of the open sockets, by protocol (a socket in three rooms counts"
                        + " three)")
                .register(registry);
        FunctionCounter.builder("escrow.gateway.deliveries", counters, SocketCounters::deliveries).tags(tags)
                .description("Event frames handed to sockets, replays included, by protocol").register(registry);
        FunctionCounter.builder("escrow.gateway.slow.consumer.closes", counters, SocketCounters::slowConsumerCloses)
                .tags(tags).description("Sockets closed with 4008 (outbound queue over its limit), by protocol")
                .register(registry);
        FunctionCounter.builder("escrow.gateway.broken.peer.closes", counters, SocketCounters::brokenPeerCloses)
                .tags(tags).description("Sockets closed with 1011 because their adapter failed while handed a frame,"
                        + " by protocol")
                .register(registry);
        String replays = "Subscribes with a lastEventId, by how they were answered: from the in-memory window (hot),"
                + " from Kafka (cold), or recovered:false (unrecovered); by protocol";
        FunctionCounter.builder("escrow.gateway.replays", counters, SocketCounters::hotReplays).tags(tags)
                .tag("path", "hot").description(replays).register(registry);
        FunctionCounter.builder("escrow.gateway.replays", counters, SocketCounters::coldReplays).tags(tags)
                .tag("path", "cold").description(replays).register(registry);
        FunctionCounter.builder("escrow.gateway.replays", counters, SocketCounters::unrecoveredReplays).tags(tags)
                .tag("path", "unrecovered").description(replays).register(registry);
    }

    private void registerMetrics(InMemoryReplayWindow window) {
        for (SocketProtocol protocol : SocketProtocol.values()) {
            registerSocketMetrics(protocol, hub.counters(protocol));
        }
        Gauge.builder("escrow.gateway.rooms", hub, Hub::roomCount).description("Rooms with a local subscriber")
                .register(registry);
        FunctionCounter.builder("escrow.gateway.duplicates.dropped", hub, Hub::duplicatesDropped)
                .description("Records dropped as repeats of a recent ce_id").register(registry);
        Gauge.builder("escrow.gateway.consumer.lag", liveConsumer, KafkaLiveConsumer::lag)
                .description("Records in Kafka not yet consumed by the live consumer").register(registry);
        FunctionCounter.builder("escrow.gateway.consumer.restarts", liveConsumer, KafkaLiveConsumer::restarts)
                .description("Times the live consumer was rebuilt after a failure").register(registry);
        FunctionCounter.builder("escrow.gateway.records.skipped", liveConsumer, KafkaLiveConsumer::malformedRecords)
                .description("Malformed records the live consumer did not deliver").register(registry);
        Gauge.builder("escrow.gateway.window.events", window, InMemoryReplayWindow::retainedEvents)
                .description("Events held by the in-memory replay window").register(registry);
        Gauge.builder("escrow.gateway.window", window, InMemoryReplayWindow::retainedBytes).baseUnit("bytes")
                .description("Bytes held by the in-memory replay window").register(registry);
    }
}
