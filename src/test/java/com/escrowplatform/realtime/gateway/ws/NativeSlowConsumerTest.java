package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.Metrics.metric;
import static com.escrowplatform.realtime.testsupport.RoomFrames.amounts;
import static com.escrowplatform.realtime.testsupport.RoomFrames.awaitWelcome;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsThrough;
import static com.escrowplatform.realtime.testsupport.RoomFrames.room;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.ForeignRecords;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Backpressure (CONTRACT 5, DESIGN "Backpressure"): a socket whose reader stopped is closed with 4008 once its
 * outbound queue passes {@code max-outbound-bytes} (1 MiB by default), and a reader of the same room misses
 * nothing meanwhile.
 *
 * <p>The kernel's socket buffers absorb a few MiB before the server's own queue grows at all, so the events
 * here are large: another service produces them straight to {@code escrow.events} in the contract's record
 * shape (CONTRACT 4 allows it), about 256 KiB each, one at a time.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class NativeSlowConsumerTest {
    private static final Logger LOG = Logger.getLogger(NativeSlowConsumerTest.class);
    /** CONTRACT 5: the close code for a client whose outbound queue went over its limit. */
    static final int CLOSE_TOO_SLOW = 4008;
    static final String SLOW_CLOSES = "escrow_gateway_slow_consumer_closes_total";
    static final int EVENT_BYTES = 256 * 1024;
    /** 25 MiB: far more than the kernel buffers and the 1 MiB budget together. */
    static final int MAX_EVENTS = 100;

    @TestHTTPResource("/")
    URI base;

    // Guards backpressure: a client that stops reading is closed with 4008; another reader of the room gets every event.
    @Test
    void shouldCloseAClientThatStopsReadingWith4008WhileAReaderOfTheSameRoomGetsEveryEvent() throws Exception {
        EscrowScenario escrow = EscrowScenario.funded(amounts(1));
        String room = room(escrow);
        try (WsClient reader = WsClient.connect(base, TestTokens.forUser(escrow.seller()));
                RawSocket stalled = RawSocket.connect(base, TestTokens.forUser(escrow.buyer()));
                KafkaProducer<String, byte[]> producer = producer()) {
            awaitWelcome(reader);
            subscribed(reader, room, null);
            assertThat(stalled.nextText().path("type").asText()).isEqualTo("welcome");
            stalled.sendText(WsClient.subscribe(room, null, "stalled").toString());
            JsonNode reply;
            do {
                reply = stalled.nextText();
            } while (!room.equals(reply.path("room").asText()));
            assertThat(reply.path("type").asText()).as("reply %s", reply).isEqualTo("subscribed");
            // from here on the stalled client reads nothing

            double closesBefore = metric(SLOW_CLOSES).orElseThrow();
            int sent = 0;
            while (metric(SLOW_CLOSES).orElseThrow() == closesBefore) {
                assertThat(sent).as("events sent without the stalled client being closed").isLessThan(MAX_EVENTS);
                produceAndExpect(producer, reader, escrow, room, ++sent);
            }
            LOG.infof("the stalled client was closed after %d events of %d KiB", sent, EVENT_BYTES / 1024);
            for (int i = 0; i < 3; i++) {
                produceAndExpect(producer, reader, escrow, room, ++sent);
            }

            // reading again, the stalled client finds what the server had queued for it, then the close
            assertThat(stalled.readUntilClose()).isEqualTo(CLOSE_TOO_SLOW);
        }
    }

    /** Produces event {@code n} and checks the reader gets it next, so the reader's own queue stays short. */
    private static void produceAndExpect(KafkaProducer<String, byte[]> producer, WsClient reader, EscrowScenario escrow,
            String room, int n) throws Exception {
        long version = 1_000_000L + n;
        producer.send(bigEvent(escrow.id(), version)).get(30, TimeUnit.SECONDS);
        // past any set-up event of the escrow that arrives late (those have small versions)
        List<JsonNode> received = eventsThrough(reader, room, version);
        assertThat(version(received.get(received.size() - 1))).as("the reader's next event").isEqualTo(version);
        assertThat(received.subList(0, received.size() - 1)).allMatch(setUp -> version(setUp) < 1_000_000L,
                "only the escrow's own set-up events before it");
    }

    private static ProducerRecord<String, byte[]> bigEvent(String escrowId, long version) {
        Map<String, Object> data = Map.of("escrowId", escrowId, "version", version,
                "occurredAt", OffsetDateTime.now().toString(), "actorId", "another-service",
                "disputeId", UUID.randomUUID().toString(), "reason", "x".repeat(EVENT_BYTES));
        byte[] value;
        try {
            value = Json.MAPPER.writeValueAsBytes(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return ForeignRecords.cloudEvent("escrow.events", UUID.randomUUID().toString(), "escrow:dispute_filed",
                escrowId, escrowId, value);
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                TestInfrastructure.kafka().bootstrapServers(), ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * A WebSocket client on a plain socket, so that "stops reading" means it: nothing is read from the socket
     * unless the test asks, and the receive buffer is as small as the kernel allows.
     */
    static final class RawSocket implements AutoCloseable {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        private RawSocket(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1024));
            this.out = socket.getOutputStream();
        }

        static RawSocket connect(URI base, String token) throws IOException {
            Socket socket = new Socket();
            socket.setReceiveBufferSize(1024); // before connect, so the advertised window stays small
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            socket.setSoTimeout(30_000);
            RawSocket raw = new RawSocket(socket);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            raw.out.write(("GET /ws HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce) + "\r\n"
                    + "Authorization: Bearer " + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            raw.out.flush();
            String status = raw.line();
            assertThat(status).as("upgrade response").contains(" 101 ");
            while (!raw.line().isEmpty()) {
                // headers
            }
            return raw;
        }

        void sendText(String text) throws IOException {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x81);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else {
                frame.write(0x80 | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length & 0xFF);
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
        }

        /** The next text message. */
        JsonNode nextText() throws IOException {
            Message message = nextMessage();
            assertThat(message.opcode()).as("opcode of the next message").isEqualTo(1);
            return Json.parse(new String(message.payload(), StandardCharsets.UTF_8));
        }

        /** Reads messages until the server's close frame and returns its code; fails on end of stream first. */
        int readUntilClose() throws IOException {
            while (true) {
                Message message = nextMessage();
                if (message.opcode() == 8) {
                    assertThat(message.payload().length).as("close frame carries a code").isGreaterThanOrEqualTo(2);
                    return ((message.payload()[0] & 0xFF) << 8) | (message.payload()[1] & 0xFF);
                }
            }
        }

        private record Message(int opcode, byte[] payload) {
        }

        /** One message (continuation frames joined); control frames other than close are skipped. */
        private Message nextMessage() throws IOException {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            int opcode = -1;
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                long length = second & 0x7F;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] mask = null;
                if ((second & 0x80) != 0) {
                    mask = new byte[4];
                    in.readFully(mask);
                }
                byte[] data = new byte[Math.toIntExact(length)];
                in.readFully(data);
                if (mask != null) {
                    for (int i = 0; i < data.length; i++) {
                        data[i] ^= mask[i % 4];
                    }
                }
                int frameOpcode = first & 0x0F;
                if (frameOpcode == 8) {
                    return new Message(8, data);
                }
                if (frameOpcode == 9 || frameOpcode == 10) {
                    continue; // ping / pong
                }
                if (frameOpcode != 0) {
                    opcode = frameOpcode;
                }
                payload.write(data);
                if ((first & 0x80) != 0) {
                    return new Message(opcode, payload.toByteArray());
                }
            }
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed during the upgrade");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
