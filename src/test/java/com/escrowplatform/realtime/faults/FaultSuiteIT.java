package com.escrowplatform.realtime.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.KafkaBroker;
import com.escrowplatform.realtime.testsupport.TcpRelay;
import com.escrowplatform.realtime.testsupport.TestDatabase;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The fault suite: two instances of the packaged application, the Kafka broker as its own process and PostgreSQL;
 * a REST writer releases milestones against both instances while native subscribers follow the escrows, and a
 * seeded nemesis injects one fault at a time, waiting for full recovery in between. At the end the
 * {@link DeliveryChecker} compares every client's view with each escrow's REST event log; any anomaly, any
 * undocumented REST status, any write that finally failed, a fault the cluster did not recover from within
 * {@link #RECOVERY} and any ERROR line in the instances' logs fail the suite. {@code -Dfaults.seed} picks the
 * order of the faults, {@code -Dfaults.seconds} runs more rounds until that many seconds have passed (by default
 * every fault kind once), {@code -Dapplication.jar} runs another build (an older commit's, to see what the suite
 * catches there). The report is printed and written to {@code target/fault-suite-report.txt}.
 */
class FaultSuiteIT {
    static final long SEED = Long.getLong("faults.seed", 21);
    static final long SECONDS = Long.getLong("faults.seconds", 0);
    static final int ESCROWS = Integer.getInteger("faults.escrows", 6);
    /** {@code -Dfaults.kinds=DATABASE_CUT,RELAY_HOLDER_KILL}: these faults in this order each round, unshuffled. */
    static final List<Fault> KINDS = Arrays.stream(System.getProperty("faults.kinds", String.join(",",
            Arrays.stream(Fault.values()).map(Fault::name).toList())).split(",")).map(String::trim).map(Fault::valueOf)
            .toList();
    static final Duration OUTAGE = Duration.ofSeconds(5);
    static final Duration RECOVERY = Duration.ofSeconds(90);
    /** How long the other instance may take to lead the outbox relay after its leader died. */
    static final Duration TAKEOVER_BOUND = Duration.ofSeconds(30);

    enum Fault {
        BROKER_KILL, RELAY_HOLDER_KILL, DATABASE_CUT, INSTANCE_PAUSE, RECONNECT_STORM, CLIENT_LINK_STALL
    }

    /** How often the gateway pings a quiet {@code /ws} socket; subscribers take four missed for a dead link. */
    static final Duration PING_INTERVAL = Duration.ofSeconds(2);
    /** How long a stalled client link first only stops reading, before it goes dark altogether. */
    static final Duration STALL = Duration.ofSeconds(5);
    /** Short enough that a paused instance outlives it within a CI run. */
    static final Duration DEAD_PEER_TIMEOUT = Duration.ofSeconds(8);
    static final Duration DATABASE_CUT = Duration.ofSeconds(15);

    /**
     * {@code caughtUpMs}: -1 when the cluster did not recover within {@link #RECOVERY} (the suite stops injecting,
     * checks what it has and fails); {@code replays}: resumes the gateway served, by path (hot, cold, unrecovered;
     * {@link Cluster#REPLAY_PATHS}); {@code errorLines}: ERROR lines the instances logged meanwhile.
     */
    record Outcome(Fault fault, String target, long readyDownMs, long readyUpMs, long caughtUpMs, long takeoverMs,
            long recovered, long notRecovered, long[] replays, int errorLines) {
        boolean recoveredInTime() {
            return caughtUpMs >= 0;
        }
    }

    @Test
    void shouldLoseDuplicateOrReorderNothingUnderFaults() throws Exception {
        Random nemesis = new Random(SEED);
        KafkaBroker broker = TestInfrastructure.kafka();
        List<Subscriber> subscribers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        // a database and topics of the suite's own: an application another test of this JVM left running on the
        // shared ones would lead their outbox relay, and the suite's instances would never be the relay holder
        TestDatabase database = TestDatabase.create();
        String topics = "fault-suite-" + UUID.randomUUID().toString().substring(0, 8);
        List<TcpRelay> closeAtTheEnd = new ArrayList<>();
        try (TcpRelay databaseLink = TcpRelay.to(TestDatabase.server());
                Cluster cluster = new Cluster(2, Map.of(
                        // every connection (requests, Flyway, the outbox relay's session) reaches PostgreSQL through the relay
                        "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + databaseLink.port() + "/" + database.name(),
                        "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + databaseLink.port() + "/" + database.name(),
                        "escrow.gateway.ping-interval", PING_INTERVAL.toSeconds() + "s",
                        "escrow.socketio.recovery-secret", "fault-suite-socketio-recovery-secret-0123456789",
                        "escrow.gateway.dead-peer-timeout", DEAD_PEER_TIMEOUT.toSeconds() + "s",
                        "escrow.topics.escrow-events", topics + ".escrow.events",
                        "escrow.topics.user-notifications", topics + ".user.notifications"))) {
            Awaitility.await("one of the suite's instances leading the outbox relay").atMost(RECOVERY)
                    .until(cluster::relayLeader, slot -> slot >= 0);
            // the links of some subscribers pass through fault proxies, one per slot, to whatever instance is there
            List<TcpRelay> clientLinks = new ArrayList<>();
            for (int slot = 0; slot < cluster.size(); slot++) {
                int target = slot;
                clientLinks.add(TcpRelay.to(() -> new InetSocketAddress("127.0.0.1", cluster.instance(target).port())));
            }
            closeAtTheEnd.addAll(clientLinks);
            RestWriter writer = new RestWriter(cluster);
            List<RestWriter.Escrow> escrows = new ArrayList<>();
            for (int i = 0; i < ESCROWS; i++) {
                escrows.add(writer.fundedEscrow(100));
            }
            for (RestWriter.Escrow escrow : escrows) {
                subscribers.add(new NativeSubscriber("native-buyer-" + escrow.id(), cluster, escrow, escrow.buyer(), 0));
                subscribers.add(new NativeSubscriber("native-seller-" + escrow.id(), cluster, escrow, escrow.seller(), 1));
                subscribers.add(new SocketIoSubscriber("socketio-arbiter-" + escrow.id(), cluster, escrow, escrow.arbiter(),
                        escrows.indexOf(escrow) % 2));
            }
            for (RestWriter.Escrow escrow : escrows.subList(0, 2)) {
                subscribers.add(new NativeSubscriber("native-linked-buyer-" + escrow.id(), cluster,
                        slot -> URI.create("http://127.0.0.1:" + clientLinks.get(slot).port()), escrow, escrow.buyer(),
                        escrows.indexOf(escrow) % 2));
            }
            subscribers.forEach(subscriber -> threads.add(start("subscriber", subscriber)));
            Awaitility.await("every subscriber following").atMost(Duration.ofSeconds(60))
                    .until(() -> subscribers.stream().allMatch(Subscriber::connected));

            ReadinessWatch readiness = new ReadinessWatch(cluster);
            threads.add(start("readiness", readiness));
            WriterLoop load = new WriterLoop(writer, escrows);
            Thread loadThread = start("writer", load);
            threads.add(loadThread);

            List<Outcome> outcomes = new ArrayList<>();
            long began = System.nanoTime();
            int round = 0;
            do {
                List<Fault> kinds = new ArrayList<>(KINDS);
                if (System.getProperty("faults.kinds") == null) {
                    Collections.shuffle(kinds, nemesis);
                }
                for (Fault fault : kinds) {
                    RestWriter.pause(Duration.ofSeconds(3)); // traffic between faults
                    outcomes.add(inject(fault, cluster, broker, databaseLink, clientLinks, writer, escrows, subscribers,
                            readiness, nemesis));
                    if (!outcomes.get(outcomes.size() - 1).recoveredInTime()) {
                        break;
                    }
                }
                round++;
            } while (outcomes.stream().allMatch(Outcome::recoveredInTime)
                    && System.nanoTime() - began < TimeUnit.SECONDS.toNanos(SECONDS) && round < 1000);

            load.stop();
            loadThread.join(TimeUnit.SECONDS.toMillis(60));
            Map<String, Long> finalVersions = new HashMap<>();
            escrows.forEach(escrow -> finalVersions.put(escrow.id(), writer.version(escrow)));
            boolean allCaughtUp;
            try {
                Awaitility.await("every subscriber caught up with the final versions").atMost(RECOVERY)
                        .until(() -> subscribers.stream().allMatch(s -> s.caughtUpWith(finalVersions.get(s.escrow().id()))));
                allCaughtUp = true;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                allCaughtUp = false;
            }
            List<DeliveryChecker.View> views = new ArrayList<>();
            for (Subscriber subscriber : subscribers) {
                boolean toTheEnd = subscriber.connected();
                subscriber.stop();
                views.add(subscriber.view(toTheEnd));
            }
            readiness.stop();

            Map<String, List<Long>> logs = new HashMap<>();
            Map<String, List<String>> effects = new HashMap<>();
            for (RestWriter.Escrow escrow : escrows) {
                List<JsonNode> log = writer.eventLog(escrow);
                logs.put(escrow.id(), log.stream().map(entry -> entry.path("version").asLong()).toList());
                effects.put(escrow.id(), log.stream().map(FaultSuiteIT::effectKey).filter(key -> key != null).toList());
            }
            DeliveryChecker.Report report = DeliveryChecker.check(logs, effects, views);
            List<Integer> undocumented = writer.statuses().keySet().stream()
                    .filter(status -> !RestWriter.DOCUMENTED.contains(status)).sorted().toList();
            List<String> errorLines = cluster.errorLines();
            String text = report(outcomes, report, writer, subscribers, undocumented, allCaughtUp, errorLines);
            System.out.println(text);
            Files.writeString(Path.of("target", "fault-suite-report.txt"), text);

            assertThat(outcomes).as("faults the cluster did not recover from within " + RECOVERY)
                    .allMatch(Outcome::recoveredInTime);
            assertThat(report.anomalies()).as(report.summary()).isEmpty();
            assertThat(undocumented).as("REST statuses not in docs/errors.md (500 is a fault of the service)").isEmpty();
            assertThat(writer.failures()).as("writes that finally failed").isEmpty();
            assertThat(allCaughtUp).as("every subscriber caught up with the final versions within " + RECOVERY).isTrue();
            assertThat(report.requiredDeliveries()).as("deliveries checked").isPositive();
            assertThat(errorLines).as("ERROR lines in the instances' logs (an expected fault is a WARN at most)").isEmpty();
        } finally {
            subscribers.forEach(Subscriber::stop);
            closeAtTheEnd.forEach(TcpRelay::close);
            for (Thread thread : threads) {
                thread.join(TimeUnit.SECONDS.toMillis(15));
            }
            broker.start(); // the broker is shared with the rest of this JVM: leave it up
            database.drop();
        }
    }

    private Outcome inject(Fault fault, Cluster cluster, KafkaBroker broker, TcpRelay databaseLink,
            List<TcpRelay> clientLinks, RestWriter writer, List<RestWriter.Escrow> escrows, List<Subscriber> subscribers,
            ReadinessWatch readiness, Random nemesis) {
        long recoveredBefore = subscribers.stream().mapToLong(s -> s.recovered()).sum();
        int errorLinesBefore = cluster.errorLines().size();
        long notRecoveredBefore = subscribers.stream().mapToLong(s -> s.notRecovered()).sum();
        Map<ApplicationProcess, double[]> replaysBefore = cluster.replaySample();
        long injected = System.nanoTime();
        readiness.mark();
        String target;
        long takeoverMs = -1;
        switch (fault) {
            case BROKER_KILL -> {
                target = "broker";
                broker.kill();
                RestWriter.pause(OUTAGE);
                broker.start();
            }
            case RELAY_HOLDER_KILL -> {
                int leader = Awaitility.await("an outbox relay leader").atMost(RECOVERY)
                        .until(cluster::relayLeader, slot -> slot >= 0);
                int other = 1 - leader;
                target = "instance " + leader + " (relay leader)";
                cluster.instance(leader).crash();
                long killed = System.nanoTime();
                Awaitility.await("the other instance leads the relay").atMost(TAKEOVER_BOUND)
                        .pollInterval(Duration.ofMillis(100)).until(() -> cluster.leads(other));
                takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                cluster.restart(leader);
            }
            case DATABASE_CUT -> {
                target = "database link";
                databaseLink.refuseNewConnections();
                try {
                    databaseLink.resetAll();
                    RestWriter.pause(DATABASE_CUT);
                } finally {
                    databaseLink.acceptNewConnections();
                }
            }
            case INSTANCE_PAUSE -> {
                int slot = nemesis.nextInt(cluster.size());
                target = "instance " + slot + " SIGSTOP " + DEAD_PEER_TIMEOUT.plusSeconds(4).toSeconds() + " s";
                signal("STOP", cluster.instance(slot).pid());
                try {
                    RestWriter.pause(DEAD_PEER_TIMEOUT.plusSeconds(4));
                } finally {
                    signal("CONT", cluster.instance(slot).pid());
                }
            }
            case RECONNECT_STORM -> {
                int slot = nemesis.nextInt(cluster.size());
                target = "instance " + slot + " sockets reset";
                // every established connection to the instance's port, reset at once (ss -K sends the RSTs)
                run("ss", "-K", "-t", "state", "established", "( sport = :" + cluster.instance(slot).port() + " )");
            }
            case CLIENT_LINK_STALL -> {
                target = "linked clients stall, then dark " + DEAD_PEER_TIMEOUT.plusSeconds(4).toSeconds() + " s";
                // the clients stop reading; then nothing moves either way, no reset: the server must reap the
                // sockets, the clients must notice the silence, and the resume must recover what they missed
                clientLinks.forEach(TcpRelay::stallServerBytes);
                try {
                    RestWriter.pause(STALL);
                    clientLinks.forEach(TcpRelay::blackhole);
                    RestWriter.pause(DEAD_PEER_TIMEOUT.plusSeconds(4));
                } finally {
                    clientLinks.forEach(TcpRelay::unstall);
                }
            }
            default -> throw new IllegalStateException(fault.name());
        }
        long caughtUpMs;
        try {
            Awaitility.await("both instances ready after " + fault).atMost(RECOVERY).until(cluster::allReady);
            Map<String, Long> targets = new HashMap<>();
            escrows.forEach(escrow -> targets.put(escrow.id(), writer.version(escrow)));
            Awaitility.await("every subscriber back and caught up after " + fault).atMost(RECOVERY)
                    .until(() -> subscribers.stream().allMatch(s -> s.caughtUpWith(targets.get(s.escrow().id()))));
            caughtUpMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - injected);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            caughtUpMs = -1; // reported, and the suite stops injecting: what it has is still checked
        }
        long[] downUp = readiness.downUpSinceMark();
        return new Outcome(fault, target, downUp[0], downUp[1], caughtUpMs, takeoverMs,
                subscribers.stream().mapToLong(s -> s.recovered()).sum() - recoveredBefore,
                subscribers.stream().mapToLong(s -> s.notRecovered()).sum() - notRecoveredBefore,
                Cluster.replaysBetween(replaysBefore, cluster.replaySample()), cluster.errorLines().size() - errorLinesBefore);
    }

    private static void signal(String name, long pid) {
        run("kill", "-" + name, Long.toString(pid));
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertThat(process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0).as(String.join(" ", command)).isTrue();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An effect that must happen at most once per escrow, or null for events that may repeat. */
    static String effectKey(JsonNode event) {
        String type = event.path("type").asText();
        if (type.endsWith("milestone_released")) {
            JsonNode id = event.path("data").findValue("milestoneId");
            return "milestone_released:" + (id == null ? event.path("data").toString() : id.asText());
        }
        if (type.endsWith("funded") || type.endsWith("joined")) {
            return type + ":" + event.path("data").path("userId").asText(event.path("data").toString());
        }
        return null;
    }

    private static String report(List<Outcome> outcomes, DeliveryChecker.Report report, RestWriter writer,
            List<Subscriber> subscribers, List<Integer> undocumented, boolean allCaughtUp, List<String> errorLines) {
        StringBuilder text = new StringBuilder("== Fault suite (seed ").append(SEED).append(", seconds ").append(SECONDS)
                .append(") ==\n");
        Map<Fault, Integer> byKind = new EnumMap<>(Fault.class);
        outcomes.forEach(outcome -> byKind.merge(outcome.fault(), 1, Integer::sum));
        text.append("faults by kind: ").append(byKind).append('\n');
        text.append("events checked: ").append(report.summary()).append('\n');
        text.append("anomalies by kind: ").append(report.counts()).append('\n');
        text.append("REST statuses: ").append(new java.util.TreeMap<>(writer.statuses())).append(", network errors ")
                .append(writer.networkErrors()).append(", retries ").append(writer.retried()).append(", undocumented ")
                .append(undocumented).append(", failed writes ").append(writer.failures().size()).append('\n');
        text.append("subscribers: ").append(subscribers.size()).append(", resumes recovered ")
                .append(subscribers.stream().mapToLong(s -> s.recovered()).sum()).append(", not recovered ")
                .append(subscribers.stream().mapToLong(s -> s.notRecovered()).sum()).append(", all caught up at the end ")
                .append(allCaughtUp).append('\n');
        text.append("ERROR lines in the instances' logs: ").append(errorLines.size()).append('\n');
        errorLines.stream().limit(10).forEach(line -> text.append("  ").append(line).append('\n'));
        text.append("per fault (ms after injection: readiness first DOWN / back UP, every client back and caught up, -1 for"
                + " not within " + RECOVERY.toSeconds() + " s; relay takeover; resumes the clients saw recovered or not;"
                + " replays the gateway served by path; ERROR lines logged):\n");
        for (Outcome outcome : outcomes) {
            text.append(String.format("  %-18s %-26s ready DOWN %6d UP %6d  caught up %6d  takeover %6d  resumes recovered %d"
                    + " not %d  replays hot %d cold %d unrecovered %d  errors %d%n",
                    outcome.fault(), outcome.target(), outcome.readyDownMs(), outcome.readyUpMs(), outcome.caughtUpMs(),
                    outcome.takeoverMs(), outcome.recovered(), outcome.notRecovered(), outcome.replays()[0],
                    outcome.replays()[1], outcome.replays()[2], outcome.errorLines()));
        }
        return text.toString();
    }

    private static Thread start(String name, Runnable task) {
        Thread thread = new Thread(task, "fault-suite-" + name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Releases the escrows' milestones round-robin until stopped or all are released, paced so that the releases
     * span the planned run (each fault then meets writes in flight): an escrow has at most 100 milestones, which at
     * full speed would all be released within the first faults. {@code -Dfaults.pace-ms} sets the pause instead.
     */
    static final class WriterLoop implements Runnable {
        /** About how long one fault takes with its recovery and the traffic before it. */
        static final Duration PER_FAULT = Duration.ofSeconds(20);
        private final RestWriter writer;
        private final List<RestWriter.Escrow> escrows;
        private final Duration pace;
        private volatile boolean stopped;

        WriterLoop(RestWriter writer, List<RestWriter.Escrow> escrows) {
            this.writer = writer;
            this.escrows = escrows;
            long planned = Math.max(TimeUnit.SECONDS.toMillis(SECONDS), PER_FAULT.toMillis() * KINDS.size());
            long releases = (long) escrows.size() * escrows.get(0).milestones().size();
            this.pace = Duration.ofMillis(Long.getLong("faults.pace-ms", Math.max(60, planned / releases)));
        }

        @Override
        public void run() {
            int milestones = escrows.get(0).milestones().size();
            for (int index = 0; index < milestones && !stopped; index++) {
                for (RestWriter.Escrow escrow : escrows) {
                    if (stopped) {
                        return;
                    }
                    writer.release(escrow, index);
                    RestWriter.pause(pace);
                }
            }
        }

        void stop() {
            stopped = true;
        }
    }

    /** Polls every instance's readiness and notes when one first went DOWN and when all were UP again. */
    static final class ReadinessWatch implements Runnable {
        private final Cluster cluster;
        private final ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        private volatile long mark;
        private volatile boolean stopped;

        ReadinessWatch(Cluster cluster) {
            this.cluster = cluster;
        }

        @Override
        public void run() {
            while (!stopped) {
                boolean all = true;
                for (int slot = 0; slot < cluster.size(); slot++) {
                    all &= cluster.instance(slot).readinessStatus() == 200;
                }
                samples.add(new long[] { System.nanoTime(), all ? 1 : 0 });
                RestWriter.pause(Duration.ofMillis(200));
            }
        }

        void mark() {
            samples.clear();
            mark = System.nanoTime();
        }

        /** {first DOWN, UP again} in ms after the mark; -1 when readiness never went DOWN. */
        long[] downUpSinceMark() {
            long down = -1;
            long up = -1;
            for (long[] sample : samples) {
                if (sample[0] < mark) {
                    continue;
                }
                if (sample[1] == 0 && down < 0) {
                    down = TimeUnit.NANOSECONDS.toMillis(sample[0] - mark);
                } else if (sample[1] == 1 && down >= 0 && up < 0) {
                    up = TimeUnit.NANOSECONDS.toMillis(sample[0] - mark);
                }
            }
            return new long[] { down, up };
        }

        void stop() {
            stopped = true;
        }
    }
}
