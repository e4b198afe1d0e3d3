package com.escrowplatform.realtime.gateway;

import static com.escrowplatform.realtime.testsupport.Metrics.metricIn;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.ForeignRecords;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.SelectorWebSockets;
import com.escrowplatform.realtime.testsupport.SelectorWebSockets.Client;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Slow and dead clients among healthy ones (CONTRACT 5, DESIGN "Backpressure"): healthy clients follow rooms at a
 * steady event rate, first alone (the baseline), then beside clients that stop reading and clients whose link goes
 * silent, at the same rate. Every stalled client must be closed with 4008 once its outbound queue passes
 * {@code max-outbound-bytes}, every dead one must be reaped within the dead-peer bound, the healthy clients must
 * get every event exactly once and in order, the server's live heap and open files must come back to where they
 * were, and its open-socket gauge to the healthy count. The healthy clients' latency (Kafka record to client) is
 * reported for both phases, with counts, close codes, reap times and heap figures, in the log and in
 * {@code target/slow-and-dead-clients-report.txt}.
 *
 * <p>The application runs as its own process (the packaged jar), so its heap and file descriptors are its own;
 * every client lives in this JVM on one selector thread ({@link SelectorWebSockets}), both protocols: native
 * {@code /ws} and Socket.IO over WebSocket (a seeded share of each kind). Events come from another service's
 * producer straight to {@code escrow.events} (CONTRACT 4), in the rooms of real escrows that the clients, as
 * {@code support}, may follow. A stalled client also follows a bulk room of 256 KiB events, so that its queue
 * passes the budget within seconds.
 *
 * <p>CI size (the default, part of {@code ./mvnw -B verify}): 500 healthy, 100 stalled, 50 dead. Full size:
 * <pre>
 * ./mvnw -B verify -Dnative-sources.skip=true -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dit.test=SlowAndDeadClientsIT -Dslow.healthy=5000 -Dslow.stalled=1000 -Dslow.dead=500 -Dslow.rate=200
 * </pre>
 * ({@code -Dslow.seed} picks protocols and rooms, {@code -Dslow.socketio-share} the share of Socket.IO clients (0.25),
 * {@code -Dslow.seconds} the length of each phase.)
 */
class SlowAndDeadClientsIT {
    private static final Logger LOG = Logger.getLogger(SlowAndDeadClientsIT.class);

    static final long SEED = Long.getLong("slow.seed", 21);
    static final int HEALTHY = Integer.getInteger("slow.healthy", 500);
    static final int STALLED = Integer.getInteger("slow.stalled", 100);
    static final int DEAD = Integer.getInteger("slow.dead", 50);
    /** Steady events per second, spread over the rooms in turn, in both phases. */
    static final int EVENTS_PER_SECOND = Integer.getInteger("slow.rate", 100);
    static final Duration PHASE = Duration.ofSeconds(Long.getLong("slow.seconds", 12));
    static final int HEALTHY_PER_ROOM = 10;
    /** The share of every kind of client that speaks Socket.IO; the others speak the native protocol. */
    static final double SOCKET_IO_SHARE = Double.parseDouble(System.getProperty("slow.socketio-share", "0.25"));

    /** CONTRACT 5's default budget, set explicitly so that the test states what it checks. */
    static final long MAX_OUTBOUND_BYTES = 1024 * 1024;
    /** The default kernel send buffer of a WebSocket, likewise; the kernel reserves up to twice it. */
    static final int SOCKET_SEND_BUFFER_BYTES = 64 * 1024;
    // Heartbeats short enough for a CI run (the defaults reap a dead peer after 60 s).
    static final Duration PING_INTERVAL = Duration.ofSeconds(2);
    static final Duration DEAD_PEER_TIMEOUT = Duration.ofSeconds(6);
    static final Duration SOCKET_IO_PING_TIMEOUT = Duration.ofSeconds(4);
    /**
     * The dead-peer bound, from the moment a client goes silent: native sockets are closed at most one heartbeat
     * tick after {@code dead-peer-timeout} (NativeHeartbeat: the tick is a fifth of the ping interval here),
     * Socket.IO sessions at most {@code ping-interval + ping-timeout} after their last pong.
     */
    static final Duration DEAD_PEER_BOUND = max(DEAD_PEER_TIMEOUT.plus(PING_INTERVAL.dividedBy(5)),
            PING_INTERVAL.plus(SOCKET_IO_PING_TIMEOUT));
    /** How often the server's metrics are read: a reap is seen at most this late. */
    static final Duration SAMPLE_EVERY = Duration.ofMillis(200);

    /**
     * 1 MiB/s to the bulk room, which only the stalled follow: at that byte rate the budget cannot tell a reader that
     * stopped from one that paused for a second (a GC, a busy core), so the healthy stay in rooms of a realistic rate.
     */
    static final int BULK_EVENT_BYTES = 64 * 1024;
    static final int BULK_EVENTS_PER_SECOND = 16;
    /** Steady and bulk events carry versions from here on, above any version the escrows' own events have. */
    static final long FIRST_VERSION = 1_000_001;
    /** A stalled client's receive buffer: the kernel's smallest, so that its server's queue grows at once. */
    static final int STALLED_RECEIVE_BUFFER = 4096;
    /** Upgrades and subscriptions in flight at once while the clients connect. */
    static final int CONNECTING_AT_ONCE = 200;

    static final String SESSIONS = "escrow_gateway_sockets";
    static final String SLOW_CLOSES = "escrow_gateway_slow_consumer_closes_total";
    static final int CLOSE_GOING_AWAY = 1001;
    static final int CLOSE_TOO_SLOW = 4008;

    enum Kind { HEALTHY, STALLED, DEAD }

    enum Protocol { NATIVE, SOCKET_IO }

    @Test
    void shouldClose4008TheStalledAndReapTheDeadWhileHealthyClientsGetEveryEvent() throws Exception {
        Map<String, String> settings = Map.of(
                "escrow.gateway.max-outbound-bytes", Long.toString(MAX_OUTBOUND_BYTES),
                "escrow.gateway.socket-send-buffer-bytes", Integer.toString(SOCKET_SEND_BUFFER_BYTES),
                "escrow.gateway.ping-interval", PING_INTERVAL.toSeconds() + "s",
                "escrow.gateway.dead-peer-timeout", DEAD_PEER_TIMEOUT.toSeconds() + "s",
                "escrow.socketio.ping-interval", PING_INTERVAL.toSeconds() + "s",
                "escrow.socketio.ping-timeout", SOCKET_IO_PING_TIMEOUT.toSeconds() + "s");
        Random random = new Random(SEED);
        Report report = new Report();
        try (ApplicationProcess app = ApplicationProcess.start("slow-and-dead-clients", Duration.ofMinutes(3), settings);
                SelectorWebSockets sockets = new SelectorWebSockets("slow-and-dead-clients");
                KafkaProducer<String, byte[]> producer = producer()) {
            Server server = new Server(app);
            List<String> rooms = createEscrowRooms(app, (HEALTHY + HEALTHY_PER_ROOM - 1) / HEALTHY_PER_ROOM + 1);
            String bulkRoom = rooms.remove(rooms.size() - 1);
            Load load = new Load(producer, rooms, bulkRoom);
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", app.port());

            List<Follower> healthy = new ArrayList<>();
            for (int i = 0; i < HEALTHY; i++) {
                healthy.add(new Follower(Kind.HEALTHY, protocol(random), rooms.get(i % rooms.size()), bulkRoom, i));
            }
            connectAll(sockets, address, healthy);
            Awaitility.await("the server counts the healthy sockets").atMost(Duration.ofSeconds(30))
                    .until(() -> server.sample(), sample -> sample.sessions() == HEALTHY);
            report.heapBefore = server.liveHeapBytes();
            report.filesBefore = server.openFiles();

            // Phase 1: the healthy clients alone.
            LatencyLog baseline = new LatencyLog();
            healthy.forEach(follower -> follower.latencies = baseline);
            load.steadyFor(PHASE, false);
            awaitEveryEvent(healthy, load);
            report.baseline = baseline;

            // Phase 2: the same rate, with stalled and dead clients in the same rooms.
            List<Follower> stalled = new ArrayList<>();
            List<Follower> dead = new ArrayList<>();
            for (int i = 0; i < STALLED; i++) {
                stalled.add(new Follower(Kind.STALLED, protocol(random), rooms.get(random.nextInt(rooms.size())), bulkRoom,
                        HEALTHY + i));
            }
            for (int i = 0; i < DEAD; i++) {
                dead.add(new Follower(Kind.DEAD, protocol(random), rooms.get(random.nextInt(rooms.size())), bulkRoom,
                        HEALTHY + STALLED + i));
            }
            connectAll(sockets, address, Stream.concat(stalled.stream(), dead.stream()).toList());
            Awaitility.await("the server counts every socket").atMost(Duration.ofSeconds(30))
                    .until(() -> server.sample(), sample -> sample.sessions() == HEALTHY + STALLED + DEAD);
            double slowClosesBefore = server.sample().slowCloses();
            report.tcpMemoryBefore = TcpMemory.bytes();

            LatencyLog beside = new LatencyLog();
            healthy.forEach(follower -> follower.latencies = beside);
            // from here the stalled read nothing; the dead neither read nor write
            stalled.forEach(follower -> follower.client.stopReading());
            dead.forEach(follower -> follower.client.stopReading());
            long silentFrom = System.nanoTime();
            Sampler sampler = new Sampler(server, silentFrom, slowClosesBefore);
            ScheduledExecutorService background = Executors.newScheduledThreadPool(2, run -> {
                Thread thread = new Thread(run, "slow-and-dead-background");
                thread.setDaemon(true);
                return thread;
            });
            try {
                background.scheduleWithFixedDelay(sampler::sample, 0, SAMPLE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                // A stalled client is alive, it only reads slowly: it keeps answering the heartbeat blindly, so
                // that its reading, never its silence, is what closes it.
                background.scheduleAtFixedRate(() -> stalled.forEach(Follower::heartbeatBlindly), 0, 500,
                        TimeUnit.MILLISECONDS);
                load.steadyFor(PHASE, true);
                awaitEveryEvent(healthy, load);
                Awaitility.await("every stalled client closed as too slow").atMost(Duration.ofSeconds(60))
                        .until(sampler::slowClosed, closed -> closed >= STALLED);
                Awaitility.await("every dead client reaped").atMost(DEAD_PEER_BOUND.plusSeconds(30))
                        .until(() -> sampler.deadReapedAfter() != null);
                Awaitility.await("the server counts only the healthy sockets").atMost(Duration.ofSeconds(30))
                        .until(() -> server.sample() + "; healthy close codes " + closeCodes(healthy)
                                + "; stalled " + closeCodes(stalled) + "; dead " + closeCodes(dead),
                                state -> state.startsWith("Sample[sessions=" + (double) HEALTHY + ","));
            } finally {
                background.shutdownNow();
                assertThat(background.awaitTermination(10, TimeUnit.SECONDS)).as("background tasks ended").isTrue();
            }
            report.beside = beside;
            report.slowClosesCounted = (long) (server.sample().slowCloses() - slowClosesBefore);
            report.slowClosedAfter = sampler.slowClosedAfter();
            report.deadReapedAfter = sampler.deadReapedAfter();
            report.heapPeak = sampler.peakHeapUsed();
            report.tcpMemoryPeak = sampler.peakTcpMemory();

            // Reading again, each stalled and dead client finds what the server queued for it, then its close.
            Stream.concat(stalled.stream(), dead.stream()).forEach(Follower::drainToClose);
            Awaitility.await("every stalled and dead client has read to its close").atMost(Duration.ofSeconds(120))
                    .until(() -> Stream.concat(stalled.stream(), dead.stream()).allMatch(follower -> follower.closeCode != 0));
            report.stalledCloses = closeCodes(stalled);
            Stream.concat(stalled.stream(), dead.stream()).filter(f -> f.closeCode == SelectorWebSockets.ABNORMAL).limit(5)
                    .forEach(f -> LOG.infof("%s %d %s ended without a close frame: %s", f.kind, f.index, f.protocol, f.closeReason));
            report.deadCloses = closeCodes(dead);
            report.heapAfter = server.liveHeapBytes();
            report.filesAfter = server.openFiles();
            report.events = load;
            report.log();

            assertThat(healthy).as("healthy clients still open").allMatch(follower -> follower.closeCode == 0);
            assertThat(healthy.stream().flatMap(follower -> follower.anomalies.stream()).limit(20).toList())
                    .as("lost, duplicate or reordered events at healthy clients").isEmpty();
            assertThat(report.slowClosesCounted).as("slow-consumer closes the server counted").isEqualTo(STALLED);
            // A client that reads nothing cannot read the 4008 frame behind its full queue: it may see the server
            // end the connection instead (1006 here); the server's count above says 4008 was what it chose.
            assertThat(report.stalledCloses.keySet()).as("close codes the stalled clients read")
                    .isSubsetOf(CLOSE_TOO_SLOW, SelectorWebSockets.ABNORMAL);
            // the 1001 frame waits in the dead client's buffer, but the reset that ends the close handshake (Vert.x
            // waits 10 s for the dead peer's answer) discards it; the session itself was freed at the 1001
            assertThat(report.deadCloses.keySet()).as("close codes the dead clients read")
                    .isSubsetOf(CLOSE_GOING_AWAY, SelectorWebSockets.ABNORMAL);
            // What the stalled cost the host's kernel: their send buffers, fixed at the upgrade, not grown to tcp_wmem's
            // maximum (4 MiB each), which at the full size filled the host's TCP memory and stalled every socket.
            assertThat(report.tcpMemoryPeak - report.tcpMemoryBefore).as("TCP memory growth of the host, bytes")
                    .isLessThanOrEqualTo(STALLED * 4L * SOCKET_SEND_BUFFER_BYTES + 32L * 1024 * 1024);
            assertThat(report.deadReapedAfter).as("time from silence until the last dead client was gone")
                    .isLessThanOrEqualTo(DEAD_PEER_BOUND.plus(SAMPLE_EVERY).plusSeconds(1));
            // Once the stalled and dead are gone, nothing of them stays: their queues, subscribers and sockets.
            assertThat(report.heapAfter - report.heapBefore).as("live heap growth, bytes")
                    .isLessThanOrEqualTo(32L * 1024 * 1024);
            assertThat(report.filesAfter - report.filesBefore).as("open files growth").isLessThanOrEqualTo(20);
            assertThat(app.isAlive()).as("the application survived").isTrue();
        }
    }

    private static Protocol protocol(Random random) {
        return random.nextDouble() < SOCKET_IO_SHARE ? Protocol.SOCKET_IO : Protocol.NATIVE;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Escrows created over REST (a room may be followed once its escrow exists), one per room. */
    private static List<String> createEscrowRooms(ApplicationProcess app, int count) {
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = Api.as(Api.uniqueUser("buyer")).baseUri(app.uri().toString()).port(app.port())
                    .body(Api.escrowBody(Api.uniqueUser("seller"), null, "10.00")).post("/api/escrows")
                    .then().statusCode(201).extract().path("id");
            rooms.add("escrow:" + id);
        }
        return rooms;
    }

    /** Connects the followers, a bounded number at a time, and waits until each has every room subscribed. */
    private static void connectAll(SelectorWebSockets sockets, InetSocketAddress address, List<Follower> followers)
            throws InterruptedException {
        Semaphore connecting = new Semaphore(CONNECTING_AT_ONCE);
        // support tokens, ten sockets a user: under the per-user limit, and a token signed per ten sockets only
        Map<Integer, String> tokens = new TreeMap<>();
        for (Follower follower : followers) {
            assertThat(connecting.tryAcquire(60, TimeUnit.SECONDS)).as("a connect slot within 60 s").isTrue();
            follower.whenReady = connecting::release;
            String token = tokens.computeIfAbsent(follower.index / 10, user -> TestTokens.support("fleet-" + user));
            follower.connect(sockets, address, token);
        }
        Awaitility.await("every follower subscribed").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> followers.stream().allMatch(follower -> follower.ready || follower.closeCode != 0));
        assertThat(followers).as("followers refused or closed while connecting").allMatch(follower -> follower.closeCode == 0);
        assertThat(followers.stream().flatMap(follower -> follower.anomalies.stream()).limit(20).toList())
                .as("refused subscriptions").isEmpty();
    }

    /** Waits until every healthy follower has seen the last event of each of its rooms. */
    private static void awaitEveryEvent(List<Follower> healthy, Load load) {
        Awaitility.await("every healthy client has every event").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> healthy.stream().allMatch(follower -> follower.caughtUp(load)) || healthy.stream()
                        .anyMatch(follower -> !follower.anomalies.isEmpty() || follower.closeCode != 0));
    }

    private static Map<Integer, Long> closeCodes(List<Follower> followers) {
        Map<Integer, Long> codes = new TreeMap<>();
        followers.forEach(follower -> codes.merge(follower.closeCode, 1L, Long::sum));
        return codes;
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfrastructure.kafka().bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000, ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * The events: steady ones to the rooms in turn (small, with their send time for the latency), and during the
     * second phase bulk ones to the bulk room. Each room's versions count up from {@link #FIRST_VERSION}.
     */
    static final class Load {
        private final KafkaProducer<String, byte[]> producer;
        final List<String> rooms;
        final String bulkRoom;
        /** The last version sent per room, and to the bulk room; read once the phase's producers have ended. */
        final long[] lastVersion;
        private final Map<String, Integer> roomIndex = new java.util.HashMap<>();
        long lastBulkVersion = FIRST_VERSION - 1;
        long steadySent;
        long bulkSent;
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        Load(KafkaProducer<String, byte[]> producer, List<String> rooms, String bulkRoom) {
            this.producer = producer;
            this.rooms = rooms;
            this.bulkRoom = bulkRoom;
            this.lastVersion = new long[rooms.size()];
            Arrays.fill(lastVersion, FIRST_VERSION - 1);
            for (int i = 0; i < rooms.size(); i++) {
                roomIndex.put(rooms.get(i), i);
            }
        }

        /** Sends steady events (and bulk ones too when asked) for {@code phase}, then waits until all are acknowledged. */
        void steadyFor(Duration phase, boolean withBulk) throws InterruptedException {
            ScheduledExecutorService producing = Executors.newScheduledThreadPool(1, run -> {
                Thread thread = new Thread(run, "slow-and-dead-load");
                thread.setDaemon(true);
                return thread;
            });
            AtomicLong turn = new AtomicLong();
            producing.scheduleAtFixedRate(() -> {
                int room = (int) (turn.getAndIncrement() % rooms.size());
                send(rooms.get(room), ++lastVersion[room], "steady " + System.nanoTime());
                steadySent++;
            }, 0, TimeUnit.SECONDS.toNanos(1) / EVENTS_PER_SECOND, TimeUnit.NANOSECONDS);
            if (withBulk) {
                String padding = "x".repeat(BULK_EVENT_BYTES);
                producing.scheduleAtFixedRate(() -> {
                    send(bulkRoom, ++lastBulkVersion, padding);
                    bulkSent++;
                }, 0, TimeUnit.SECONDS.toNanos(1) / BULK_EVENTS_PER_SECOND, TimeUnit.NANOSECONDS);
            }
            // the phase ends by the clock: shutting down cancels the periodic sends
            producing.schedule(producing::shutdown, phase.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(producing.awaitTermination(phase.toSeconds() + 30, TimeUnit.SECONDS)).as("the phase ended").isTrue();
            producer.flush();
            assertThat(failure.get()).as("a send failed").isNull();
        }

        private void send(String room, long version, String reason) {
            String escrowId = room.substring("escrow:".length());
            Map<String, Object> data = Map.of("escrowId", escrowId, "version", version,
                    "occurredAt", OffsetDateTime.now().toString(), "actorId", "load-generator",
                    "disputeId", UUID.randomUUID().toString(), "reason", reason);
            byte[] value;
            try {
                value = Json.MAPPER.writeValueAsBytes(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ProducerRecord<String, byte[]> record = ForeignRecords.cloudEvent("escrow.events", UUID.randomUUID().toString(),
                    "escrow:dispute_filed", escrowId, escrowId, value);
            producer.send(record, (metadata, e) -> {
                if (e != null) {
                    failure.compareAndSet(null, e);
                }
            });
        }

        long last(String room) {
            return room.equals(bulkRoom) ? lastBulkVersion : lastVersion[roomIndex.get(room)];
        }
    }

    /**
     * One client: its kind, protocol and rooms (its own room, and the bulk room for the stalled), and
     * what it saw. Its event callbacks run on the selector thread; the test thread reads the volatile fields.
     */
    static final class Follower implements SelectorWebSockets.Listener {
        final Kind kind;
        final Protocol protocol;
        final List<String> rooms;
        final int index;
        Client client;
        String token;
        Runnable whenReady = () -> {
        };
        volatile LatencyLog latencies;
        volatile boolean ready;
        /** The close code read, 0 while open. */
        volatile int closeCode;
        volatile String closeReason;
        /** Anomalies seen (lost, duplicate, reordered, refused); a copy-on-write list, since the test thread reads it. */
        final List<String> anomalies = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** The last version seen per room (index in {@link #rooms}), FIRST_VERSION - 1 before any. */
        private final AtomicLongArray lastSeen;
        private int subscribed;
        /** Read to the close only: what comes is not checked. */
        private volatile boolean draining;

        Follower(Kind kind, Protocol protocol, String room, String bulkRoom, int index) {
            this.kind = kind;
            this.protocol = protocol;
            this.rooms = kind == Kind.STALLED ? List.of(room, bulkRoom) : List.of(room);
            this.index = index;
            this.lastSeen = new AtomicLongArray(rooms.size());
            for (int i = 0; i < rooms.size(); i++) {
                lastSeen.set(i, FIRST_VERSION - 1);
            }
        }

        void connect(SelectorWebSockets sockets, InetSocketAddress address, String token) {
            this.token = token;
            int receiveBuffer = kind == Kind.STALLED ? STALLED_RECEIVE_BUFFER : 0;
            client = protocol == Protocol.NATIVE
                    ? sockets.connect(address, "/ws", Map.of("Authorization", "Bearer " + token), receiveBuffer, this)
                    : sockets.connect(address, "/socket.io/?EIO=4&transport=websocket", Map.of(), receiveBuffer, this);
        }

        boolean caughtUp(Load load) {
            for (int i = 0; i < rooms.size(); i++) {
                if (lastSeen.get(i) < load.last(rooms.get(i))) {
                    return false;
                }
            }
            return true;
        }

        void heartbeatBlindly() {
            if (closeCode == 0) {
                if (protocol == Protocol.NATIVE) {
                    client.sendUnsolicitedPong();
                } else {
                    client.send("3");
                }
            }
        }

        void drainToClose() {
            draining = true;
            client.resumeReading();
        }

        @Override
        public void opened(Client opened) {
            if (protocol == Protocol.NATIVE) {
                subscribeAll(); // the welcome frame follows; subscribing need not wait for it
            }
        }

        private void subscribeAll() {
            for (int i = 0; i < rooms.size(); i++) {
                client.send(protocol == Protocol.NATIVE ? WsClient.subscribe(rooms.get(i), null, "r" + (i + 1)).toString()
                        : "42" + (i + 1) + "[\"subscribe\",{\"room\":\"" + rooms.get(i) + "\"}]");
            }
        }

        @Override
        public void text(Client from, String text) {
            if (draining) {
                return;
            }
            if (protocol == Protocol.SOCKET_IO) {
                socketIo(text);
                return;
            }
            JsonNode frame = Json.parse(text);
            String type = frame.path("type").asText();
            if (type.equals("subscribed")) {
                subscribedOne();
            } else if (type.equals("error")) {
                anomalies.add("refused: " + text);
            } else if (type.startsWith("escrow:")) {
                event(frame.path("room").asText(), frame.path("data"));
            }
        }

        private void socketIo(String packet) {
            if (packet.equals("2")) {
                client.send("3");
            } else if (packet.startsWith("0")) {
                client.send("40{\"token\":\"" + token + "\"}");
            } else if (packet.startsWith("40")) {
                subscribeAll();
            } else if (packet.startsWith("43")) {
                JsonNode ack = Json.parse(packet.substring(packet.indexOf('['))).get(0);
                if (ack.path("ok").asBoolean()) {
                    subscribedOne();
                } else {
                    anomalies.add("refused: " + packet);
                }
            } else if (packet.startsWith("42")) {
                JsonNode event = Json.parse(packet.substring(2)).get(1);
                event(event.path("room").asText(), event.path("data"));
            } else if (packet.startsWith("44")) {
                anomalies.add("connect refused: " + packet);
            }
        }

        private void subscribedOne() {
            if (++subscribed == rooms.size()) {
                ready = true;
                whenReady.run();
            }
        }

        /** Checks exactly once and in order; the escrow's own events (small versions) are not the test's. */
        private void event(String room, JsonNode data) {
            long version = data.path("version").asLong();
            int at = rooms.indexOf(room);
            if (version < FIRST_VERSION || at < 0) {
                return;
            }
            // the stalled and dead join mid-stream: they start wherever the stream was
            long last = lastSeen.get(at);
            boolean first = last == FIRST_VERSION - 1;
            boolean inOrder = version == last + 1 || (first && (kind == Kind.STALLED || kind == Kind.DEAD));
            if (!inOrder && anomalies.size() < 20) {
                anomalies.add(kind + " " + index + " in " + room + ": version " + version + " after " + last);
            }
            lastSeen.set(at, version);
            String reason = data.path("reason").asText();
            LatencyLog log = latencies;
            if (log != null && reason.startsWith("steady ")) {
                log.add(System.nanoTime() - Long.parseLong(reason.substring("steady ".length())));
            }
        }

        @Override
        public void closed(Client from, int code, String reason) {
            closeReason = reason;
            closeCode = code;
            if (!ready) {
                whenReady.run(); // frees the connect slot of a client refused while connecting
            }
        }
    }

    /** Latencies in nanoseconds; added to by the selector thread, read by the test once the phase is over. */
    static final class LatencyLog {
        private long[] values = new long[1024];
        private int size;

        synchronized void add(long nanos) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = nanos;
        }

        synchronized int count() {
            return size;
        }

        /** The {@code q} quantile (0..1) in milliseconds. */
        synchronized double quantileMillis(double q) {
            if (size == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            return sorted[(int) Math.min(size - 1, Math.ceil(q * size) - 1)] / 1e6;
        }
    }

    /** The application process seen from outside: its metrics, live heap and open files. */
    static final class Server {
        private final ApplicationProcess app;

        Server(ApplicationProcess app) {
            this.app = app;
        }

        record Sample(double sessions, double slowCloses, double heapUsed) {
        }

        Sample sample() {
            ApplicationProcess.Answer metrics = app.get("/q/metrics");
            assertThat(metrics.statusCode()).as("/q/metrics").isEqualTo(200);
            String text = metrics.body();
            double heap = text.lines().filter(line -> line.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
            return new Sample(metricIn(text, SESSIONS).orElseThrow(), metricIn(text, SLOW_CLOSES).orElseThrow(), heap);
        }

        /** Heap in use right after a full collection (jcmd GC.run), so garbage does not count. */
        long liveHeapBytes() throws IOException, InterruptedException {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(app.pid()), "GC.run")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                assertThat(gc.waitFor(60, TimeUnit.SECONDS)).as("jcmd GC.run within 60 s").isTrue();
            } finally {
                gc.destroyForcibly();
            }
            return (long) sample().heapUsed();
        }

        long openFiles() throws IOException {
            try (Stream<Path> files = Files.list(Path.of("/proc", Long.toString(app.pid()), "fd"))) {
                return files.count();
            }
        }
    }

    /**
     * Reads the server's metrics every {@link #SAMPLE_EVERY} during the second phase: the peak heap in use, and when
     * the last stalled client was closed and the last dead one was gone. The dead are not counted by a metric of
     * their own: they are what the socket gauge lost beyond the slow-consumer closes.
     */
    static final class Sampler {
        private final Server server;
        private final long silentFrom;
        private final double slowClosesBefore;
        private volatile double peakHeapUsed;
        private volatile long peakTcpMemory;
        private volatile double slowClosed;
        private volatile Duration slowClosedAfter;
        private volatile Duration deadReapedAfter;

        Sampler(Server server, long silentFrom, double slowClosesBefore) {
            this.server = server;
            this.silentFrom = silentFrom;
            this.slowClosesBefore = slowClosesBefore;
        }

        void sample() {
            Server.Sample sample;
            try {
                sample = server.sample();
            } catch (AssertionError | RuntimeException e) {
                LOG.warnf("no metrics this time: %s", e.toString()); // the next sample tries again
                return;
            }
            Duration since = Duration.ofNanos(System.nanoTime() - silentFrom);
            peakTcpMemory = Math.max(peakTcpMemory, TcpMemory.bytes());
            peakHeapUsed = Math.max(peakHeapUsed, sample.heapUsed());
            slowClosed = sample.slowCloses() - slowClosesBefore;
            if (slowClosed >= STALLED && slowClosedAfter == null) {
                slowClosedAfter = since;
            }
            double deadGone = HEALTHY + STALLED + DEAD - slowClosed - sample.sessions();
            if (deadGone >= DEAD && deadReapedAfter == null) {
                deadReapedAfter = since;
            }
        }

        double slowClosed() {
            return slowClosed;
        }

        Duration slowClosedAfter() {
            return slowClosedAfter;
        }

        Duration deadReapedAfter() {
            return deadReapedAfter;
        }

        long peakHeapUsed() {
            return (long) peakHeapUsed;
        }

        long peakTcpMemory() {
            return peakTcpMemory;
        }
    }

    /** The memory the host's kernel holds for TCP, every socket's buffers together ({@code /proc/net/sockstat}). */
    static final class TcpMemory {
        private static final long PAGE_BYTES = 4096;

        static long bytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                    if (line.startsWith("TCP:")) {
                        String[] fields = line.trim().split("\\s+");
                        for (int i = 1; i < fields.length - 1; i++) {
                            if (fields[i].equals("mem")) {
                                return Long.parseLong(fields[i + 1]) * PAGE_BYTES;
                            }
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            throw new IllegalStateException("no TCP memory in /proc/net/sockstat");
        }
    }

    /** The figures of a run, logged and written to {@code target/slow-and-dead-clients-report.txt}. */
    static final class Report {
        LatencyLog baseline;
        LatencyLog beside;
        long slowClosesCounted;
        Duration slowClosedAfter;
        Duration deadReapedAfter;
        Map<Integer, Long> stalledCloses;
        Map<Integer, Long> deadCloses;
        long heapBefore;
        long heapPeak;
        long heapAfter;
        long tcpMemoryBefore;
        long tcpMemoryPeak;
        long filesBefore;
        long filesAfter;
        Load events;

        void log() throws IOException {
            String text = String.format(java.util.Locale.ROOT, """
                    slow and dead clients among healthy ones (seed %d)
                    clients: %d healthy, %d stalled, %d dead; %d rooms; %.0f%% Socket.IO
                    events: %d steady at %d/s per phase, %d bulk of %d KiB at %d/s in the second phase
                    healthy latency, Kafka record -> client: alone p50 %.1f ms, p99 %.1f ms (%d deliveries); \
                    beside the stalled and dead p50 %.1f ms, p99 %.1f ms (%d deliveries)
                    stalled: %d slow-consumer closes counted, close codes read %s, the last closed %s after they stopped reading
                    dead: close codes read %s, the last one gone %s after they went silent (bound %s)
                    server live heap after GC: before %d MiB, after %d MiB; heap in use at most %d MiB during the second phase
                    server open files: before %d, after %d
                    host TCP memory: %d MiB before the second phase, at most %d MiB during it
                    """, SEED, HEALTHY, STALLED, DEAD, events.rooms.size(), SOCKET_IO_SHARE * 100,
                    events.steadySent, EVENTS_PER_SECOND, events.bulkSent, BULK_EVENT_BYTES / 1024, BULK_EVENTS_PER_SECOND,
                    baseline.quantileMillis(0.5), baseline.quantileMillis(0.99), baseline.count(),
                    beside.quantileMillis(0.5), beside.quantileMillis(0.99), beside.count(),
                    slowClosesCounted, stalledCloses, slowClosedAfter, deadCloses, deadReapedAfter, DEAD_PEER_BOUND,
                    heapBefore >> 20, heapAfter >> 20, heapPeak >> 20, filesBefore, filesAfter,
                    tcpMemoryBefore >> 20, tcpMemoryPeak >> 20);
            LOG.info(text);
            Files.writeString(Path.of("target", "slow-and-dead-clients-report.txt"), text);
        }
    }
}
