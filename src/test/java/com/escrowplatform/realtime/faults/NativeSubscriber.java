package com.escrowplatform.realtime.faults;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * A native {@code /ws} client following one escrow room as an application would (CONTRACT §6): it resumes with
 * the last event id it saw (or the {@code position} of its last subscription) after any disconnect, on the other
 * instance when its own is gone, backing off; it loads the escrow over REST after its first subscription and after
 * every {@code recovered:false}. A socket that hears nothing, not even a ping, for four ping intervals is taken
 * for dead and replaced, as a mobile client does. What it observes, in arrival order, is its view for the checker.
 */
final class NativeSubscriber extends Subscriber {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration SILENT_LINK = FaultSuiteIT.PING_INTERVAL.multipliedBy(4);

    /** Where the socket of a slot connects: the instance itself, or a fault proxy in front of it. */
    private final IntFunction<URI> endpoint;
    private final AtomicLong connections = new AtomicLong();
    private String resumeFrom;

    NativeSubscriber(String name, Cluster cluster, RestWriter.Escrow escrow, String user, int slot) {
        this(name, cluster, cluster::uri, escrow, user, slot);
    }

    NativeSubscriber(String name, Cluster cluster, IntFunction<URI> endpoint, RestWriter.Escrow escrow, String user,
            int slot) {
        super(name, cluster, escrow, user, slot);
        this.endpoint = endpoint;
    }

    @Override
    public void run() {
        Duration backoff = Duration.ofMillis(100);
        while (!stopped) {
            if (followOnce()) {
                backoff = Duration.ofMillis(100);
            } else {
                slot = (slot + 1) % cluster.size();
                RestWriter.pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : backoff.multipliedBy(2);
            }
        }
    }

    /** One connection, from connect to close; true when it got as far as a subscription. */
    private boolean followOnce() {
        WsClient client;
        try {
            client = WsClient.connect(endpoint.apply(slot), TestTokens.forUser(user));
        } catch (RuntimeException e) {
            return false;
        }
        try {
            JsonNode welcome = client.next(WAIT);
            if (!"welcome".equals(welcome.path("type").asText())) {
                return false;
            }
            String ref = "s" + connections.incrementAndGet();
            client.send(WsClient.subscribe(escrow.room(), resumeFrom, ref));
            JsonNode reply = client.nextMatching(frame -> ref.equals(frame.path("ref").asText()), WAIT);
            if (!"subscribed".equals(reply.path("type").asText())) {
                return false;
            }
            boolean first = resumeFrom == null;
            if (!first) {
                (reply.path("recovered").asBoolean() ? recovered : notRecovered).incrementAndGet();
            }
            if (first || !reply.path("recovered").asBoolean()) {
                long version = loadVersion();
                if (version < 0) {
                    return false;
                }
                observations.add(new DeliveryChecker.Baseline(version));
                applied = Math.max(applied, version);
            }
            if ((first || !reply.path("recovered").asBoolean()) && reply.hasNonNull("position")) {
                resumeFrom = reply.path("position").asText();
            }
            connected = true;
            while (!stopped) {
                JsonNode frame;
                try {
                    frame = client.next(Duration.ofMillis(200));
                } catch (AssertionError quiet) {
                    if (client.closed().isDone() || client.silence().compareTo(SILENT_LINK) > 0) {
                        return true;
                    }
                    continue;
                }
                if (escrow.room().equals(frame.path("room").asText()) && frame.hasNonNull("id")
                        && frame.path("data").has("version")) {
                    long version = frame.path("data").path("version").asLong();
                    observations.add(new DeliveryChecker.Delivered(frame.path("id").asText(), version));
                    resumeFrom = frame.path("id").asText();
                    applied = Math.max(applied, version);
                }
            }
            return true;
        } catch (AssertionError | RuntimeException e) {
            return false;
        } finally {
            connected = false;
            client.close();
        }
    }

    /** The escrow's version over REST, from either instance; -1 when neither answers in time. */
    private long loadVersion() {
        return loadVersion(cluster, slot, escrow, user, () -> stopped);
    }

    /** The escrow's version over REST, from either instance; -1 when neither answers in time. */
    static long loadVersion(Cluster cluster, int slot, RestWriter.Escrow escrow, String user,
            java.util.function.BooleanSupplier stopped) {
        for (int attempt = 0; attempt < 60 && !stopped.getAsBoolean(); attempt++) {
            int target = (slot + attempt) % cluster.size();
            Cluster.Answer answer = cluster.send(target, HttpRequest.newBuilder(cluster.uri(target).resolve(escrow.path("")))
                    .header("Authorization", "Bearer " + TestTokens.forUser(user)).GET());
            if (answer.status() == 200) {
                return Json.parse(answer.body()).path("version").asLong();
            }
            RestWriter.pause(Duration.ofMillis(500));
        }
        return -1;
    }
}
