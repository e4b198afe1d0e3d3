package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static com.escrowplatform.realtime.testsupport.RoomFrames.WAIT;
import static com.escrowplatform.realtime.testsupport.RoomFrames.amounts;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsThrough;
import static com.escrowplatform.realtime.testsupport.RoomFrames.nextInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.release;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.RoomFrames;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Fan-out on one instance: one change reaches every authenticated socket subscribed to its room. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeFanOutTest {
    static final int CONNECTIONS = 200;

    @TestHTTPResource("/")
    URI base;

    // Guards fan-out: 200 concurrent connections of 200 support users in one room all get the one event frame.
    @Test
    void shouldDeliverOneChangeToEveryOneOf200ConnectionsInTheRoom() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded(amounts(2));
        String room = room(escrow);
        List<CompletableFuture<WsClient>> connecting = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            String token = TestTokens.support(Api.uniqueUser("support" + i));
            connecting.add(WsClient.connectAsync(base, "/ws", b -> b.header("Authorization", "Bearer " + token)));
        }
        CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<WsClient> clients = connecting.stream().map(CompletableFuture::join).toList();
        try {
            for (WsClient client : clients) {
                assertThat(client.next(WAIT).path("type").asText()).isEqualTo("welcome");
                client.send(WsClient.subscribe(room, null, "fan-out"));
            }
            for (WsClient client : clients) {
                JsonNode reply = nextInRoom(client, room);
                assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("subscribed");
            }
            assertThat(metric("escrow_gateway_sockets").orElseThrow()).isGreaterThanOrEqualTo(CONNECTIONS);

            release(escrow, 0);
            long expected = RoomFrames.version(escrow);
            Set<String> ids = new HashSet<>();
            for (WsClient client : clients) {
                // past any set-up event of the escrow that arrives late, up to the release
                List<JsonNode> received = eventsThrough(client, room, expected);
                JsonNode event = received.get(received.size() - 1);
                assertThat(event.path("type").asText()).as("frame %s", event).isEqualTo("escrow:milestone_released");
                assertThat(version(event)).isEqualTo(expected);
                ids.add(event.path("id").asText());
            }
            assertThat(ids).as("every connection got the same event").hasSize(1);
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
