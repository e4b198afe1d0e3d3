package com.escrowplatform.realtime.faults;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Drives escrows over REST against every instance in turn. Every POST carries an {@code Idempotency-Key} and is
 * retried with the same key, on the next instance, after a network error or a 5xx; every status is counted.
 */
final class RestWriter {
    /** The statuses docs/errors.md documents for REST, but 500, which is a fault of the service. */
    static final Set<Integer> DOCUMENTED = Set.of(200, 201, 400, 401, 403, 404, 405, 409, 415, 422, 503);
    private static final int ATTEMPTS = 120;

    private final Cluster cluster;
    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final AtomicLong networkErrors = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    private int next;

    RestWriter(Cluster cluster) {
        this.cluster = cluster;
    }

    /** One escrow between fresh users, joined and funded, with {@code milestones} milestones of 1.00 to release. */
    Escrow fundedEscrow(int milestones) {
        String buyer = Api.uniqueUser("buyer");
        String seller = Api.uniqueUser("seller");
        String arbiter = Api.uniqueUser("arbiter");
        String[] amounts = new String[milestones];
        java.util.Arrays.fill(amounts, "1.00");
        JsonNode created = post(buyer, "/api/escrows", Json.MAPPER.valueToTree(Api.escrowBody(seller, arbiter, amounts)).toString());
        if (created == null) {
            throw new AssertionError("could not create an escrow: " + failures);
        }
        Escrow escrow = new Escrow(created.path("id").asText(), buyer, seller, arbiter, new ArrayList<>());
        created.path("milestones").forEach(m -> escrow.milestones().add(m.path("id").asText()));
        for (String[] step : new String[][] { { seller, "/join" }, { arbiter, "/join" }, { buyer, "/fund" } }) {
            if (post(step[0], escrow.path(step[1]), "") == null) {
                throw new AssertionError("could not set up escrow " + escrow.id() + ": " + failures);
            }
        }
        return escrow;
    }

    /** Releases milestone {@code index}; false when it finally failed. */
    boolean release(Escrow escrow, int index) {
        return post(escrow.buyer(), escrow.path("/milestones/" + escrow.milestones().get(index) + "/release"), "") != null;
    }

    /** A POST with its own key, retried with that key; the body of the 2xx answer, or null. */
    private JsonNode post(String user, String path, String body) {
        String key = UUID.randomUUID().toString();
        Duration backoff = Duration.ofMillis(100);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int slot = Math.floorMod(next++, cluster.size());
            Cluster.Answer answer = cluster.send(slot, HttpRequest.newBuilder(cluster.uri(slot).resolve(path))
                    .header("Authorization", "Bearer " + TestTokens.forUser(user))
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            if (answer.status() == -1) {
                networkErrors.incrementAndGet();
            } else {
                statuses.computeIfAbsent(answer.status(), s -> new AtomicLong()).incrementAndGet();
            }
            if (answer.status() >= 200 && answer.status() < 300) {
                return answer.body().isEmpty() ? Json.MAPPER.createObjectNode() : Json.parse(answer.body());
            }
            if (answer.status() != -1 && answer.status() < 500) {
                failures.add("POST " + path + " answered " + answer.status() + ": " + answer.body());
                return null;
            }
            retried.incrementAndGet();
            pause(backoff);
            backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : backoff.multipliedBy(2);
        }
        failures.add("POST " + path + " gave up after " + ATTEMPTS + " attempts");
        return null;
    }

    /** REST's view of an escrow's event log: every event, in version order. */
    List<JsonNode> eventLog(Escrow escrow) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int slot = Math.floorMod(next++, cluster.size());
            Cluster.Answer answer = cluster.send(slot, HttpRequest.newBuilder(cluster.uri(slot)
                    .resolve(escrow.path("/events") + "?limit=1000"))
                    .header("Authorization", "Bearer " + TestTokens.forUser(escrow.buyer())).GET());
            if (answer.status() == 200) {
                List<JsonNode> entries = new ArrayList<>();
                Json.parse(answer.body()).forEach(entries::add);
                return entries;
            }
            pause(Duration.ofMillis(500));
        }
        throw new AssertionError("could not read the event log of " + escrow.id());
    }

    long version(Escrow escrow) {
        List<JsonNode> log = eventLog(escrow);
        return log.get(log.size() - 1).path("version").asLong();
    }

    Map<Integer, AtomicLong> statuses() {
        return statuses;
    }

    long networkErrors() {
        return networkErrors.get();
    }

    long retried() {
        return retried.get();
    }

    List<String> failures() {
        return failures;
    }

    /** The pace of the load and of retries, not a wait for a condition. */
    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    record Escrow(String id, String buyer, String seller, String arbiter, List<String> milestones) {
        String path(String suffix) {
            return "/api/escrows/" + id + suffix;
        }

        String room() {
            return "escrow:" + id;
        }
    }
}
