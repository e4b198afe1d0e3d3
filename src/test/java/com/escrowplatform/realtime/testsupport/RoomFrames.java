package com.escrowplatform.realtime.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Steps shared by the gateway tests: read one room's frames in order (skipping the user room's notifications
 * that interleave), release milestones over REST.
 */
public final class RoomFrames {
    public static final Duration WAIT = Duration.ofSeconds(20);

    private RoomFrames() {
    }

    public static String room(EscrowScenario escrow) {
        return "escrow:" + escrow.id();
    }

    /** {@code count} milestone amounts of 1.00. */
    public static String[] amounts(int count) {
        String[] amounts = new String[count];
        Arrays.fill(amounts, "1.00");
        return amounts;
    }

    /** Releases milestone {@code index} as the buyer: one {@code escrow:milestone_released} event. */
    public static void release(EscrowScenario escrow, int index) {
        Api.as(escrow.buyer()).post("/api/escrows/" + escrow.id() + "/milestones/"
                + escrow.milestoneIds().get(index) + "/release").then().statusCode(200);
    }

    /** The escrow's version as REST sees it: the version of its newest event. */
    public static long version(EscrowScenario escrow) {
        return Api.as(escrow.buyer()).get("/api/escrows/" + escrow.id()).then().statusCode(200)
                .extract().<Number>path("version").longValue();
    }

    /** The buyer subscribes, sees two releases (milestones 0 and 1), leaves; returns the last event frame it saw. */
    public static JsonNode seeTwoEventsThenLeave(URI base, EscrowScenario escrow) {
        String room = room(escrow);
        try (WsClient first = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
            awaitWelcome(first);
            subscribed(first, room, null);
            release(escrow, 0);
            release(escrow, 1);
            long second = version(escrow);
            // reads through the second release, past any earlier event of the escrow that arrives late
            List<JsonNode> seen = eventsThrough(first, room, second);
            JsonNode last = seen.get(seen.size() - 1);
            assertThat(version(last)).isEqualTo(second);
            assertThat(last.path("type").asText()).isEqualTo("escrow:milestone_released");
            return last;
        }
    }

    public static void awaitWelcome(WsClient client) {
        assertThat(client.next(WAIT).path("type").asText()).isEqualTo("welcome");
    }

    /** Sends a subscribe and returns its reply (a {@code subscribed} or an {@code error} frame). */
    public static JsonNode subscribe(WsClient client, String room, String lastEventId) {
        String ref = "ref-" + System.nanoTime();
        client.send(WsClient.subscribe(room, lastEventId, ref));
        JsonNode reply = nextInRoom(client, room);
        assertThat(reply.path("ref").asText()).as("reply to %s", ref).isEqualTo(ref);
        return reply;
    }

    /** Subscribes and checks that the reply is {@code subscribed}. */
    public static JsonNode subscribed(WsClient client, String room, String lastEventId) {
        JsonNode reply = subscribe(client, room, lastEventId);
        assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("subscribed");
        return reply;
    }

    /** The next frame of {@code room} (or an error frame), skipping other rooms' frames. */
    public static JsonNode nextInRoom(WsClient client, String room) {
        return client.nextMatching(frame -> room.equals(frame.path("room").asText())
                || "error".equals(frame.path("type").asText()), WAIT);
    }

    /** The next {@code count} event frames of {@code room}, in arrival order. */
    public static List<JsonNode> eventsInRoom(WsClient client, String room, int count) {
        List<JsonNode> events = new ArrayList<>(count);
        while (events.size() < count) {
            JsonNode frame = nextInRoom(client, room);
            assertThat(frame.path("type").asText()).as("frame %s", frame).startsWith("escrow:");
            events.add(frame);
        }
        return events;
    }

    /** Connects as {@code user}, awaits the welcome and subscribes to {@code room}; the reply was {@code subscribed}. */
    public static WsClient connectSubscribed(URI base, String user, String room, String lastEventId) {
        WsClient client = WsClient.connect(base, TestTokens.forUser(user));
        awaitWelcome(client);
        subscribed(client, room, lastEventId);
        return client;
    }

    /**
     * The next {@code count} event frames of {@code room} after its creation event: version 1 is committed
     * before anyone can subscribe, so whether it arrives live depends on how far the relay and the consumer
     * got; tests that subscribe after creating the escrow do not count on it.
     */
    public static List<JsonNode> eventsAfterCreation(WsClient client, String room, int count) {
        List<JsonNode> events = new ArrayList<>(count);
        while (events.size() < count) {
            JsonNode event = eventsInRoom(client, room, 1).get(0);
            if (version(event) != 1) {
                events.add(event);
            }
        }
        return events;
    }

    /** Reads the room's events until one carries {@code version}; returns all read, in order. */
    public static List<JsonNode> eventsThrough(WsClient client, String room, long version) {
        List<JsonNode> events = new ArrayList<>();
        while (events.isEmpty() || version(events.get(events.size() - 1)) < version) {
            events.addAll(eventsInRoom(client, room, 1));
        }
        return events;
    }

    /** The escrow version of an event frame, a Socket.IO event argument or an event-log entry: all carry data.version. */
    public static long version(JsonNode event) {
        return event.path("data").path("version").asLong();
    }

    public static List<Long> versions(List<JsonNode> eventFrames) {
        return eventFrames.stream().map(RoomFrames::version).toList();
    }

    public static List<String> ids(List<JsonNode> eventFrames) {
        return eventFrames.stream().map(frame -> frame.path("id").asText()).toList();
    }

    /** The versions {@code from} to {@code to}, both included. */
    public static List<Long> versionsBetween(long from, long to) {
        List<Long> versions = new ArrayList<>();
        for (long v = from; v <= to; v++) {
            versions.add(v);
        }
        return versions;
    }
}
