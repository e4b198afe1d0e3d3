package com.escrowplatform.realtime.faults;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.escrowplatform.realtime.gateway.socketio.NodeSocketIoClient;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The official {@code socket.io-client} following one escrow room: it reconnects by itself (pointed at the other
 * instance after a disconnect or a refused connect), relies on connection-state recovery when the server grants
 * it ({@code socket.recovered}), and otherwise subscribes again with the last event id it saw, loading the escrow
 * over REST after its first subscription and after every {@code recovered:false}.
 */
final class SocketIoSubscriber extends Subscriber {
    private String lastEventId;
    private boolean loaded;
    private String pendingRef;
    private int refs;

    SocketIoSubscriber(String name, Cluster cluster, RestWriter.Escrow escrow, String user, int slot) {
        super(name, cluster, escrow, user, slot);
    }

    @Override
    public void run() {
        try (NodeSocketIoClient client = NodeSocketIoClient.start()) {
            client.connect(cluster.uri(slot), Map.of("token", TestTokens.forUser(user)),
                    Map.of("transports", List.of("websocket"), "reconnectionDelay", 100, "reconnectionDelayMax", 2000));
            while (!stopped) {
                JsonNode line;
                try {
                    line = client.await(any -> true, Duration.ofMillis(200));
                } catch (AssertionError quiet) {
                    continue;
                }
                handle(client, line);
            }
        }
    }

    private void handle(NodeSocketIoClient client, JsonNode line) {
        switch (line.path("event").asText()) {
            case "connect" -> {
                if (loaded && line.path("recovered").asBoolean()) {
                    recovered.incrementAndGet(); // the server put the socket back in its rooms and replays
                    connected = true;
                    return;
                }
                pendingRef = "s" + ++refs;
                Map<String, Object> body = new HashMap<>();
                body.put("room", escrow.room());
                if (lastEventId != null) {
                    body.put("lastEventId", lastEventId);
                }
                client.emit("subscribe", body, pendingRef);
            }
            case "ack" -> {
                if (!line.path("ref").asText().equals(pendingRef)) {
                    return;
                }
                JsonNode reply = line.path("reply");
                if (!reply.path("ok").asBoolean()) {
                    return; // not subscribed: the next reconnect tries again
                }
                boolean resumed = reply.path("recovered").asBoolean();
                if (loaded) {
                    (resumed ? recovered : notRecovered).incrementAndGet();
                }
                if (!loaded || !resumed) {
                    long version = NativeSubscriber.loadVersion(cluster, slot, escrow, user, () -> stopped);
                    if (version < 0) {
                        return;
                    }
                    observations.add(new DeliveryChecker.Baseline(version));
                    applied = Math.max(applied, version);
                    loaded = true;
                    if (reply.hasNonNull("position")) {
                        lastEventId = reply.path("position").asText();
                    }
                }
                connected = true;
            }
            case "message" -> {
                JsonNode event = line.path("args").path(0);
                if (escrow.room().equals(event.path("room").asText()) && event.hasNonNull("id")
                        && event.path("data").has("version")) {
                    long version = event.path("data").path("version").asLong();
                    observations.add(new DeliveryChecker.Delivered(event.path("id").asText(), version));
                    lastEventId = event.path("id").asText();
                    applied = Math.max(applied, version);
                }
            }
            case "disconnect", "connect_error" -> {
                connected = false;
                slot = (slot + 1) % cluster.size();
                client.target(cluster.uri(slot));
            }
            default -> {
                // transport upgrades, reconnect attempts, "targeted": nothing to follow
            }
        }
    }
}
