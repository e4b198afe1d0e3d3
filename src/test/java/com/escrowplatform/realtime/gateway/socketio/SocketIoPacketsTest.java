package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPosition;
import com.escrowplatform.realtime.gateway.socketio.SocketIoPackets.MalformedPacket;
import com.escrowplatform.realtime.gateway.socketio.SocketIoPackets.Packet;
import com.escrowplatform.realtime.testsupport.Json;
import com.fasterxml.jackson.databind.JsonNode;

/** The Engine.IO / Socket.IO packet codec, without a server. */
class SocketIoPacketsTest {

    @Test
    void shouldParseAConnectWithItsAuthPayload() {
        Packet packet = SocketIoPackets.parse("0{\"token\":\"abc\",\"pid\":\"p\",\"offset\":\"o\"}");
        assertThat(packet.type()).isEqualTo(SocketIoPackets.CONNECT);
        assertThat(packet.namespace()).isEqualTo("/");
        assertThat(packet.ackId()).isEqualTo(-1);
        assertThat(packet.data().path("token").asText()).isEqualTo("abc");
        assertThat(SocketIoPackets.parse("0").data()).isNull();
    }

    @Test
    void shouldParseTheNamespaceOfAConnectToAnotherNamespace() {
        Packet packet = SocketIoPackets.parse("0/admin,{\"token\":\"t\"}");
        assertThat(packet.namespace()).isEqualTo("/admin");
        assertThat(packet.data().path("token").asText()).isEqualTo("t");
        assertThat(SocketIoPackets.parse("0/admin,").namespace()).isEqualTo("/admin");
    }

    @Test
    void shouldParseAnEventWithItsAckId() {
        Packet packet = SocketIoPackets.parse("217[\"subscribe\",{\"room\":\"user:u1\"}]");
        assertThat(packet.type()).isEqualTo(SocketIoPackets.EVENT);
        assertThat(packet.ackId()).isEqualTo(17);
        assertThat(packet.data().get(0).asText()).isEqualTo("subscribe");
        assertThat(packet.data().get(1).path("room").asText()).isEqualTo("user:u1");
        assertThat(SocketIoPackets.parse("2/,3[\"x\"]").ackId()).isEqualTo(3);
        assertThat(SocketIoPackets.parse("2[\"x\"]").ackId()).isEqualTo(-1);
    }

    @Test
    void shouldRefuseMalformedPackets() {
        for (String malformed : List.of("", "9", "x", "2", "2{\"a\":1}", "2[]", "2[1]", "2[\"x\"", "0[1]", "1{}",
                "3{}", "4{\"message\":\"x\"}", "51-[\"x\",{\"_placeholder\":true,\"num\":0}]", "2" + "9".repeat(16) + "[\"x\"]",
                "2[\"x\"]]", "2[\"x\"] trailing", "0{\"token\":\"t\"}{}")) {
            assertThatThrownBy(() -> SocketIoPackets.parse(malformed)).as(malformed).isInstanceOf(MalformedPacket.class);
        }
    }

    @Test
    void shouldWriteTheOpenPacketWithEveryFieldTheClientReads() {
        String open = SocketIoPackets.open("abc", true, 25_000, 20_000, 65_536);
        assertThat(open).startsWith("0");
        JsonNode body = Json.parse(open.substring(1));
        assertThat(body.path("sid").asText()).isEqualTo("abc");
        assertThat(body.path("upgrades").get(0).asText()).isEqualTo("websocket");
        assertThat(body.path("pingInterval").asLong()).isEqualTo(25_000);
        assertThat(body.path("pingTimeout").asLong()).isEqualTo(20_000);
        assertThat(body.path("maxPayload").asInt()).isEqualTo(65_536);
        assertThat(Json.parse(SocketIoPackets.open("abc", false, 1, 1, 1).substring(1)).path("upgrades")).isEmpty();
    }

    @Test
    void shouldWriteRepliesAsEngineIoMessages() {
        assertThat(SocketIoPackets.connected("s1", "p1")).isEqualTo("40{\"sid\":\"s1\",\"pid\":\"p1\"}");
        assertThat(SocketIoPackets.connected("s1", null)).isEqualTo("40{\"sid\":\"s1\"}");
        assertThat(SocketIoPackets.connectError("/", "unauthorized")).isEqualTo("44{\"message\":\"unauthorized\"}");
        assertThat(SocketIoPackets.connectError("/admin", "Invalid namespace"))
                .isEqualTo("44/admin,{\"message\":\"Invalid namespace\"}");
        assertThat(SocketIoPackets.ack(12, Json.MAPPER.createObjectNode().put("ok", true))).isEqualTo("4312[{\"ok\":true}]");
        assertThat(SocketIoPackets.offsetOnly("recovery:offset", "AbC-_")).isEqualTo("42[\"recovery:offset\",\"AbC-_\"]");
    }

    @Test
    void shouldEncodeTheSharedPartOfAnEventOnceAndAppendEachSocketsOffset() {
        GatewayEvent event = new GatewayEvent("user:u\"1", new StreamPosition(UUID.randomUUID(), 2, 41), "ce-1",
                "notification:new", "{\"title\":\"Hi \\\"you\\\"\"}");
        String shared = StandardCharsets.UTF_8.decode(event.encodedFor(SocketIoPackets.EVENT_PREFIX).duplicate()).toString();
        assertThat(event.encodedFor(SocketIoPackets.EVENT_PREFIX)).isSameAs(event.encodedFor(SocketIoPackets.EVENT_PREFIX));

        String withOffset = shared + SocketIoPackets.eventTail("OFF_set-1");
        assertThat(withOffset).startsWith("42[");
        JsonNode args = Json.parse(withOffset.substring(2));
        assertThat(args.get(0).asText()).isEqualTo("notification:new");
        assertThat(args.get(1).path("id").asText()).isEqualTo(event.id());
        assertThat(args.get(1).path("room").asText()).isEqualTo("user:u\"1");
        assertThat(args.get(1).path("data").path("title").asText()).isEqualTo("Hi \"you\"");
        assertThat(args.get(2).asText()).isEqualTo("OFF_set-1");

        JsonNode plain = Json.parse((shared + SocketIoPackets.eventTail(null)).substring(2));
        assertThat(plain).hasSize(2);
    }

    @Test
    void shouldJoinPollingPacketsWithTheRecordSeparator() {
        assertThat(SocketIoPackets.joinForPolling(List.of("2", "40{}"))).isEqualTo("2\u001e40{}");
        assertThat(SocketIoPackets.joinForPolling(List.of("6"))).isEqualTo("6");
    }
}
