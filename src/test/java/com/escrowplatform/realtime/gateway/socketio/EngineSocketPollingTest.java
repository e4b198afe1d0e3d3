package com.escrowplatform.realtime.gateway.socketio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.CloseCodes;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;

/**
 * The Engine.IO session over long-polling, request by request against stub responses, time driven by hand:
 * parked polls and what answers them, POSTs, overlapping and aborted polls, the heartbeat, and the upgrade to
 * a WebSocket. EngineIoPollingTest covers the same over HTTP.
 */
class EngineSocketPollingTest {
    private static final long PING_INTERVAL_MS = 25_000;
    private static final String SEPARATOR = String.valueOf(SocketIoPackets.RECORD_SEPARATOR);

    private final StubSocketIoServer stub = new StubSocketIoServer(Map.of("escrow.socketio.ping-interval", "25s",
            "escrow.socketio.ping-timeout", "20s", "escrow.socketio.connect-timeout", "1d"));
    private final EngineSocket engine = stub.server.openPolling();

    private RecordingPoll poll() {
        RecordingPoll poll = new RecordingPoll();
        engine.onPoll(poll);
        return poll;
    }

    private RecordingPoll post(String body) {
        RecordingPoll post = new RecordingPoll();
        engine.onPost(body, post);
        return post;
    }

    @Test
    void shouldOfferTheUpgradeInTheOpenPacketAndParkAPollUntilAPacketWaits() {
        assertThat(Json.parse(engine.openPacket().substring(1)).path("upgrades").get(0).asText())
                .isEqualTo("websocket");

        RecordingPoll poll = poll();
        assertThat(poll.status()).isNull();
        assertThat(engine.pollWaiting()).isTrue();

        AtomicInteger written = new AtomicInteger();
        engine.send("42[\"a\"]", written::incrementAndGet);

        assertThat(poll.status()).isEqualTo(200);
        assertThat(poll.body()).isEqualTo("42[\"a\"]");
        assertThat(written).hasValue(1);
        assertThat(engine.pollWaiting()).isFalse();
    }

    @Test
    void shouldAnswerTheNextPollWithEveryPacketQueuedMeanwhileInOrder() {
        RecordingPoll connect = post("40{\"token\":\"" + TestTokens.forUser("u1") + "\"}");
        assertThat(connect.status()).isEqualTo(200);
        assertThat(connect.body()).isEqualTo("ok");
        engine.send("42[\"after\"]", null);

        String[] packets = poll().body().split(SEPARATOR);

        assertThat(packets).hasSize(3);
        assertThat(packets[0]).startsWith("40{\"sid\":\"" + engine.sid + "\"");
        assertThat(packets[1]).startsWith("42[\"" + SocketIoPeer.OFFSET_EVENT + "\",");
        assertThat(packets[2]).isEqualTo("42[\"after\"]");
    }

    @Test
    void shouldEndTheSessionOnAnOverlappingPollAnsweringTheWaitingOneWithTheClosePacket() {
        RecordingPoll waiting = poll();

        RecordingPoll overlapping = poll();

        assertThat(overlapping.status()).isEqualTo(400);
        assertThat(Json.parse(overlapping.body()).path("code").asInt()).isEqualTo(3);
        assertThat(waiting.body()).isEqualTo(String.valueOf(SocketIoPackets.ENGINE_CLOSE));
        assertThat(stub.server.findEngineSocket(engine.sid)).isNull();
        assertThat(Json.parse(poll().body()).path("code").asInt()).as("a poll after the end: Session ID unknown")
                .isEqualTo(1);
    }

    @Test
    void shouldKeepPacketsForTheNextPollWhenTheWaitingOneWasAborted() {
        RecordingPoll aborted = poll();
        aborted.abort();
        assertThat(engine.pollWaiting()).isFalse();

        engine.send("42[\"kept\"]", null);

        assertThat(aborted.status()).isNull();
        assertThat(poll().body()).isEqualTo("42[\"kept\"]");
    }

    @Test
    void shouldAnswer400ToAPostThatBreaksTheProtocolAndEndTheSession() {
        RecordingPoll waiting = poll();

        RecordingPoll post = post("4" + SEPARATOR + "x");

        assertThat(post.status()).isEqualTo(400);
        assertThat(Json.parse(post.body()).path("code").asInt()).isEqualTo(3);
        assertThat(waiting.body()).isEqualTo(String.valueOf(SocketIoPackets.ENGINE_CLOSE));
        assertThat(stub.server.findEngineSocket(engine.sid)).isNull();
        assertThat(stub.protocolCloses(CloseCodes.PROTOCOL_ERROR)).isEqualTo(1);
    }

    @Test
    void shouldPingThroughTheWaitingPollAndTakeThePongByPost() {
        RecordingPoll waiting = poll();

        stub.timers.advance(PING_INTERVAL_MS);
        assertThat(waiting.body()).isEqualTo("2");
        assertThat(post("3").body()).isEqualTo("ok");
        stub.timers.advance(PING_INTERVAL_MS - 1);

        assertThat(stub.server.findEngineSocket(engine.sid)).as("open: the pong came in time").isSameAs(engine);
    }

    @Test
    void shouldUpgradeToAProbedWebSocketAndRefusePollsFromThenOn() {
        RecordingPoll waiting = poll();
        RecordingTransport probe = new RecordingTransport();
        probe.bind(engine);
        assertThat(engine.startProbe(probe)).isTrue();

        probe.receive("2probe");
        assertThat(probe.next()).isEqualTo("3probe");
        assertThat(waiting.status()).as("not before the client had time to send 5").isNull();
        stub.timers.advance(EngineSocket.FAST_UPGRADE_CHECK_MS);
        assertThat(waiting.body()).isEqualTo(String.valueOf(SocketIoPackets.ENGINE_NOOP));
        RecordingPoll duringUpgrade = poll();
        engine.send("42[\"held\"]", null);
        assertThat(duringUpgrade.status()).as("no packet goes to a poll once the probe is answered").isNull();

        probe.receive("5");

        assertThat(duringUpgrade.status()).isEqualTo(400);
        assertThat(probe.next()).isEqualTo("42[\"held\"]");
        assertThat(poll().status()).isEqualTo(400);
        engine.send("42[\"next\"]", null);
        assertThat(probe.next()).isEqualTo("42[\"next\"]");
        assertThat(probe.closeCode()).isNull();
    }

    @Test
    void shouldGoOnPollingWhenTheProbeClosesBeforeTheUpgrade() {
        RecordingTransport probe = new RecordingTransport();
        probe.bind(engine);
        engine.startProbe(probe);
        probe.receive("2probe");
        engine.onWebSocketClosed(probe);

        engine.send("42[\"polled\"]", null);

        assertThat(poll().body()).isEqualTo("42[\"polled\"]");
        assertThat(stub.server.findEngineSocket(engine.sid)).isSameAs(engine);
        assertThat(probe.closeCode()).isNull();
    }
}
