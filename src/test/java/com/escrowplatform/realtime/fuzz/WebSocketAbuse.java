package com.escrowplatform.realtime.fuzz;

import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import com.escrowplatform.realtime.gateway.ws.SocketIoFrames;
import com.escrowplatform.realtime.testsupport.BadTokens;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.RawWebSocket;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hostile input over both WebSocket protocols, on {@link RawWebSocket} so that any byte can go on the wire. Two
 * lanes: {@link #runOpenLane} sends what the protocol answers with an error frame or an ack and keeps the socket
 * open (many inputs per connection, in pipelined batches); {@link #runClosingLane} sends what closes the socket
 * (one connection per input). Answers are written as {@code ws:error:<code>}, {@code ws:subscribed},
 * {@code sio:ack:<code>|ok}, {@code ws:close:<code>}, {@code ws:ignored} (nothing to answer: the socket stays
 * open and answers the next request) and {@code upgrade:<status>}.
 */
final class WebSocketAbuse {
    /** Inputs sent before their answers are read: few enough that the replies never fill the outbound queue. */
    static final int BATCH = 500;
    /** Inputs per open-lane connection before it is replaced. */
    static final int PER_CONNECTION = 5_000;
    /** Users per lane, so that no user comes near max-connections-per-user while closed sockets are let go. */
    static final int USERS_PER_LANE = 6;
    static final int FRAME_LIMIT = 65_536;
    /** Probes answered after an abuse before it counts as ignored. */
    static final int PROBES = 3;

    enum Dialect {
        NATIVE("ws"), SOCKET_IO("sio");

        final String tag;

        Dialect(String tag) {
            this.tag = tag;
        }
    }

    /** One input on the wire; {@code correlation} is the native ref or the Socket.IO ack id, null when there is none. */
    private record Sent(String kind, String input, String correlation, boolean answered, Set<String> allowed) {
    }

    private final URI base;
    private final Tally tally;
    private final String strangersEscrow;
    private final String laneName;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private int userTurn;

    WebSocketAbuse(URI base, Tally tally, String strangersEscrow, String laneName) {
        this.base = base;
        this.tally = tally;
        this.strangersEscrow = strangersEscrow;
        this.laneName = laneName;
    }

    // --- the open lane: error frames and acks, many inputs per connection ------------------------------------------

    void runOpenLane(Dialect dialect, Random random, int quota, long deadlineNanos) {
        int sent = 0;
        while (sent < quota && System.nanoTime() < deadlineNanos) {
            String user = nextUser();
            HostileBodies bodies = new HostileBodies(user, strangersEscrow);
            try (Connection connection = connect(dialect, user)) {
                int onThisConnection = 0;
                while (sent < quota && onThisConnection < PER_CONNECTION && System.nanoTime() < deadlineNanos) {
                    List<Sent> batch = new ArrayList<>(BATCH);
                    for (int i = 0; i < BATCH && sent + i < quota; i++) {
                        batch.add(dialect == Dialect.NATIVE ? nativeInput(random, bodies, connection)
                                : socketIoInput(random, bodies, connection));
                    }
                    boolean open = exchange(connection, batch);
                    sent += batch.size();
                    onThisConnection += batch.size();
                    if (!open) {
                        break;
                    }
                }
            }
        }
    }

    /** Sends a batch and a probe, reads until every answer came; false when the socket closed meanwhile. */
    private boolean exchange(Connection connection, List<Sent> batch) {
        Sent probe = probe(connection);
        Map<String, Sent> awaited = new HashMap<>();
        ArrayDeque<Sent> awaitedWithoutRef = new ArrayDeque<>();
        List<Sent> unanswered = new ArrayList<>();
        List<Sent> all = new ArrayList<>(batch);
        all.add(probe);
        try {
            for (Sent input : all) {
                connection.socket.sendText(input.input());
                if (!input.answered()) {
                    unanswered.add(input);
                } else if (input.correlation() == null) {
                    awaitedWithoutRef.add(input);
                } else {
                    awaited.put(input.correlation(), input);
                }
            }
            while (!awaited.isEmpty() || !awaitedWithoutRef.isEmpty()) {
                RawWebSocket.Frame frame = connection.socket.next();
                if (frame.opcode() == RawWebSocket.CLOSE) {
                    String answer = "ws:close:" + closeCode(frame);
                    awaited.values().forEach(input -> record(input, answer, probe));
                    awaitedWithoutRef.forEach(input -> record(input, answer, probe));
                    unanswered.forEach(input -> record(input, answer, probe));
                    return false;
                }
                Answer answer = connection.dialect == Dialect.NATIVE ? nativeAnswer(frame.text())
                        : socketIoAnswer(connection, frame.text());
                if (answer == null) {
                    continue; // an event, a ping, an offset: not an answer
                }
                Sent input = answer.correlation() == null ? awaitedWithoutRef.poll() : awaited.remove(answer.correlation());
                if (input == null) {
                    tally.record(connection.dialect.tag + ":unrequested", "-", answer.code(), Set.of());
                } else {
                    record(input, answer.code(), probe);
                }
            }
        } catch (UncheckedIOException e) {
            String answer = "no answer within the read timeout (" + e.getCause() + ")";
            awaited.values().forEach(input -> record(input, answer, probe));
            awaitedWithoutRef.forEach(input -> record(input, answer, probe));
            unanswered.forEach(input -> record(input, answer, probe));
            return false;
        }
        // the probe was answered after them: the socket lived through the inputs that ask for no answer
        unanswered.forEach(input -> record(input, "ws:ignored", probe));
        return true;
    }

    private void record(Sent input, String answer, Sent probe) {
        if (input != probe) {
            tally.record(input.kind(), input.input(), answer, input.allowed());
        } else if (!input.allowed().contains(answer)) {
            tally.record(input.kind(), input.input(), answer, input.allowed()); // only a failed probe is counted
        }
    }

    private record Answer(String correlation, String code) {
    }

    private static Answer nativeAnswer(String text) {
        JsonNode frame = Json.parse(text);
        String type = frame.path("type").asText();
        JsonNode ref = frame.get("ref");
        String correlation = ref == null || ref.isNull() ? null : ref.asText();
        return switch (type) {
            case "error" -> new Answer(correlation, "ws:error:" + frame.path("code").asText());
            case "subscribed", "unsubscribed" -> new Answer(correlation, "ws:" + type);
            default -> null;
        };
    }

    private static Answer socketIoAnswer(Connection connection, String packet) {
        if ("2".equals(packet)) {
            connection.socket.sendText("3"); // Engine.IO ping: a live client answers
            return null;
        }
        if (!packet.startsWith("43")) {
            return packet.startsWith("42") ? null : new Answer(null, "sio:packet:" + Tally.abbreviate(packet));
        }
        int bracket = packet.indexOf('[');
        String ackId = packet.substring(2, bracket);
        JsonNode body = Json.parse(packet.substring(bracket)).get(0);
        return new Answer(ackId, body.path("ok").asBoolean() ? "sio:ack:ok" : "sio:ack:" + body.path("code").asText());
    }

    private Sent nativeInput(Random random, HostileBodies bodies, Connection connection) {
        int pick = random.nextInt(100);
        String ref = "r" + connection.nextId++;
        if (pick < 12) {
            String text = random.nextBoolean() ? Garbage.printable(random, 1 + random.nextInt(200))
                    : truncated(random, "{\"op\":\"subscribe\",\"room\":\"user:x\",\"ref\":\"" + ref + "\"}");
            return new Sent("ws:not-json", text, null, true, Set.of("ws:error:bad_request"));
        }
        if (pick < 16) {
            String[] notObjects = { "123", "\"subscribe\"", "[1,2]", "true", "null", "", "[]", "-0.5e3" };
            return new Sent("ws:not-an-object", notObjects[random.nextInt(notObjects.length)], null, true,
                    Set.of("ws:error:bad_request"));
        }
        if (pick < 22) {
            String op = "x" + Garbage.printable(random, random.nextInt(20));
            ObjectNode frame = JsonNodeFactory.instance.objectNode().put("op", op).put("room", "user:x").put("ref", ref);
            return new Sent("ws:unknown-op", frame.toString(), ref, true, Set.of("ws:error:bad_request"));
        }
        if (pick < 24) {
            ObjectNode frame = JsonNodeFactory.instance.objectNode().put("op", "subscribe").put("room", "user:x");
            frame.putArray("ref").add(ref);
            return new Sent("ws:bad-ref", frame.toString(), null, true, Set.of("ws:error:bad_request"));
        }
        if (pick < 25) {
            // past Jackson's nesting limit: refused by the parser, not built into a tree
            return new Sent("ws:deep-nesting-over-limit", HostileBodies.nestedText(1_001 + random.nextInt(4_000)), null,
                    true, Set.of("ws:error:bad_request"));
        }
        HostileBodies.Body body = bodies.next(random);
        ObjectNode frame = ((ObjectNode) body.args().deepCopy()).put("op", body.op()).put("ref", ref);
        return new Sent("ws:" + body.kind(), frame.toString(), ref, true, allowed(Dialect.NATIVE, body.answers()));
    }

    private Sent socketIoInput(Random random, HostileBodies bodies, Connection connection) {
        int pick = random.nextInt(100);
        String ackId = String.valueOf(connection.nextId++);
        if (pick < 8) {
            String name = "x" + Garbage.printable(random, random.nextInt(20));
            String packet = "42" + ackId + "[" + HostileBodies.json(JsonNodeFactory.instance.textNode(name))
                    + ",{\"room\":\"user:x\"}]";
            return new Sent("sio:unknown-event", packet, ackId, true, Set.of("sio:ack:bad_request"));
        }
        if (pick < 13) {
            String[] args = { "[\"subscribe\"]", "[\"subscribe\",5]", "[\"subscribe\",\"user:x\"]",
                    "[\"subscribe\",[{\"room\":\"user:x\"}]]", "[\"subscribe\",null]", "[\"unsubscribe\",true]" };
            return new Sent("sio:args-not-an-object", "42" + ackId + args[random.nextInt(args.length)], ackId, true,
                    Set.of("sio:ack:bad_request"));
        }
        if (pick < 16) {
            String[] noAnswer = { "42[\"subscribe\",{\"room\":\"" + random.nextInt() + "\"}]", "43" + ackId + "[{\"ok\":true}]",
                    "42/admin," + ackId + "[\"subscribe\",{\"room\":\"user:x\"}]", "6", "3", "42[\"hello\",1,2,3]" };
            return new Sent("sio:asks-no-answer", noAnswer[random.nextInt(noAnswer.length)], null, false,
                    Set.of("ws:ignored"));
        }
        HostileBodies.Body body = bodies.next(random);
        String packet = "42" + ackId + "[\"" + body.op() + "\"," + body.args() + "]";
        return new Sent("sio:" + body.kind(), packet, ackId, true, allowed(Dialect.SOCKET_IO, body.answers()));
    }

    /** A request that must be answered, sent after each batch: its answer shows the socket is alive and reading. */
    private Sent probe(Connection connection) {
        String id = String.valueOf(connection.nextId++);
        if (connection.dialect == Dialect.NATIVE) {
            return new Sent("ws:probe", "{\"op\":\"subscribe\",\"room\":\"nowhere\",\"ref\":\"" + id + "\"}", id, true,
                    Set.of("ws:error:invalid_room"));
        }
        return new Sent("sio:probe", "42" + id + "[\"subscribe\",{\"room\":\"nowhere\"}]", id, true,
                Set.of("sio:ack:invalid_room"));
    }

    private static Set<String> allowed(Dialect dialect, Set<String> answers) {
        return answers.stream().map(answer -> switch (answer) {
            case "subscribed", "unsubscribed" -> dialect == Dialect.NATIVE ? "ws:" + answer : "sio:ack:ok";
            default -> dialect == Dialect.NATIVE ? "ws:error:" + answer : "sio:ack:" + answer;
        }).collect(Collectors.toUnmodifiableSet());
    }

    private static String truncated(Random random, String json) {
        return json.substring(0, 1 + random.nextInt(json.length() - 1));
    }

    // --- the closing lane: one connection per input ------------------------------------------------------------

    /** Frame-level abuse, the same bytes on both paths; the answer each protocol documents (docs/errors.md). */
    private record FrameAbuse(String kind, List<RawFrame> frames, Set<String> nativeAnswers, Set<String> socketIoAnswers) {
    }

    private record RawFrame(int opcode, boolean fin, byte[] payload) {
        String describe() {
            return "frame{opcode=0x" + Integer.toHexString(opcode) + ",fin=" + fin + ",bytes=" + payload.length + ","
                    + Tally.abbreviate(new String(payload, 0, Math.min(40, payload.length),
                            java.nio.charset.StandardCharsets.ISO_8859_1)) + "}";
        }
    }

    void runClosingLane(Dialect dialect, Random random, int quota, long deadlineNanos) {
        for (int sent = 0; sent < quota && System.nanoTime() < deadlineNanos; sent++) {
            int pick = random.nextInt(100);
            if (dialect == Dialect.NATIVE && pick < 15) {
                badTokenUpgrade(random);
            } else if (dialect == Dialect.SOCKET_IO && pick < 30) {
                socketIoPacketAbuse(random);
            } else if (dialect == Dialect.SOCKET_IO && pick < 40) {
                sent += refusedConnects(random) - 1;
            } else {
                FrameAbuse abuse = frameAbuse(random);
                List<String> frames = abuse.frames().stream().map(RawFrame::describe).toList();
                Set<String> allowed = dialect == Dialect.NATIVE ? abuse.nativeAnswers() : abuse.socketIoAnswers();
                try (Connection connection = connect(dialect, nextUser())) {
                    for (RawFrame frame : abuse.frames()) {
                        if (!sendQuietly(connection, frame)) {
                            break;
                        }
                    }
                    tally.record(dialect.tag + ":frame:" + abuse.kind(), frames.toString(), answerAfter(connection), allowed);
                }
            }
        }
    }

    private FrameAbuse frameAbuse(Random random) {
        Set<String> protocolError = Set.of("ws:close:1002");
        int pick = random.nextInt(12);
        switch (pick) {
            case 0:
                return new FrameAbuse("invalid-utf8", List.of(text(Garbage.invalidUtf8(random, 1 + random.nextInt(300)))),
                        Set.of("ws:close:1007"), Set.of("ws:close:1007"));
            case 1: {
                byte[] bad = Garbage.invalidUtf8(random, 10 + random.nextInt(300));
                int cut = 1 + random.nextInt(bad.length - 1);
                return new FrameAbuse("fragmented-invalid-utf8", List.of(
                        new RawFrame(RawWebSocket.TEXT, false, Arrays.copyOfRange(bad, 0, cut)),
                        new RawFrame(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(bad, cut, bad.length))),
                        Set.of("ws:close:1007"), Set.of("ws:close:1007"));
            }
            case 2:
                return new FrameAbuse("oversized", List.of(text(Garbage.utf8("x".repeat(FRAME_LIMIT + 1 + random.nextInt(200_000))))),
                        Set.of("ws:close:1009"), Set.of("ws:close:1009"));
            case 3: {
                int fragments = 2 + random.nextInt(4);
                int each = FRAME_LIMIT / fragments + 1 + random.nextInt(5_000);
                List<RawFrame> frames = new ArrayList<>();
                for (int i = 0; i < fragments; i++) {
                    frames.add(new RawFrame(i == 0 ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, i == fragments - 1,
                            Garbage.utf8("y".repeat(each))));
                }
                return new FrameAbuse("fragmented-oversized", frames, Set.of("ws:close:1009"), Set.of("ws:close:1009"));
            }
            case 4:
                return new FrameAbuse("orphan-continuation", List.of(new RawFrame(RawWebSocket.CONTINUATION, true,
                        Garbage.utf8("{\"op\":1}"))), protocolError, protocolError);
            case 5:
                return new FrameAbuse("reserved-bits", List.of(new RawFrame(RawWebSocket.TEXT | ((1 + random.nextInt(7)) << 4),
                        true, Garbage.utf8("{}"))), protocolError, protocolError);
            case 6: {
                int[] reserved = { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF };
                return new FrameAbuse("reserved-opcode", List.of(new RawFrame(reserved[random.nextInt(reserved.length)], true,
                        Garbage.bytes(random, random.nextInt(20)))), protocolError, protocolError);
            }
            case 7:
                return new FrameAbuse("fragmented-ping", List.of(new RawFrame(RawWebSocket.PING, false, Garbage.utf8("p"))),
                        protocolError, protocolError);
            case 8:
                return new FrameAbuse("oversized-ping", List.of(new RawFrame(RawWebSocket.PING, true,
                        Garbage.bytes(random, 126 + random.nextInt(1_000)))), protocolError, protocolError);
            case 9:
                return new FrameAbuse("interleaved-messages", List.of(new RawFrame(RawWebSocket.TEXT, false, Garbage.utf8("{\"op\"")),
                        new RawFrame(RawWebSocket.TEXT, true, Garbage.utf8("{}"))), protocolError, protocolError);
            case 10:
                return new FrameAbuse("bad-close-frame", List.of(new RawFrame(RawWebSocket.CLOSE, true,
                        random.nextBoolean() ? new byte[] { 0x03, (byte) 0xe7 } : new byte[] { 0x03 })), protocolError, protocolError);
            default:
                return new FrameAbuse("binary", List.of(new RawFrame(0x2, true, Garbage.bytes(random, 1 + random.nextInt(500)))),
                        Set.of("ws:ignored"), Set.of("ws:close:1003"));
        }
    }

    private static RawFrame text(byte[] payload) {
        return new RawFrame(RawWebSocket.TEXT, true, payload);
    }

    /** Engine.IO and Socket.IO packets that break the protocol once connected: 1002, or 1003 for binary ones. */
    private void socketIoPacketAbuse(Random random) {
        String[] malformed = { "", "9", "x" + Garbage.printable(random, 10), "2", "0", "5", "2probe", "4", "49[]", "47",
                "4x", "42[", "42{}", "42[1]", "42[]", "41{\"a\":1}", "40", "44{}", "421234567890123456[\"subscribe\"]",
                "42[\"subscribe\",{}] trailing", "42[" + HostileBodies.nestedText(1_001 + random.nextInt(3_000)) + "]",
                "4" + Garbage.printable(random, 1 + random.nextInt(50)).replaceFirst("^[0-6]", "9") };
        String[] binary = { "451-[\"subscribe\",{\"_placeholder\":true,\"num\":0}]", "461-1[{\"_placeholder\":true,\"num\":0}]",
                "bAQIDBA==" };
        boolean isBinary = random.nextInt(5) == 0;
        String packet = isBinary ? binary[random.nextInt(binary.length)] : malformed[random.nextInt(malformed.length)];
        try (Connection connection = connect(Dialect.SOCKET_IO, nextUser())) {
            connection.socket.sendText(packet);
            tally.record(isBinary ? "sio:binary-packet" : "sio:malformed-packet", packet, answerAfter(connection),
                    Set.of(isBinary ? "ws:close:1003" : "ws:close:1002"));
        }
    }

    /** CONNECTs with bad auth on one session: each refused, the max-refused-connects-th also closes with 1008. */
    private int refusedConnects(Random random) {
        List<BadTokens.Kind> kinds = BadTokens.all();
        int max = 5; // escrow.socketio.max-refused-connects
        RawWebSocket socket = RawWebSocket.open(base, "/socket.io/?EIO=4&transport=websocket", Map.of());
        try {
            socket.nextText(); // the open packet
            for (int i = 1; i <= max; i++) {
                String auth = switch (random.nextInt(4)) {
                    case 0 -> "{}";
                    case 1 -> "{\"token\":" + random.nextInt() + "}";
                    case 2 -> "{\"token\":\"\"}";
                    default -> "{\"token\":\"" + kinds.get(random.nextInt(kinds.size())).forUser().apply(nextUser()) + "\"}";
                };
                socket.sendText("40" + auth);
                String answer;
                String reply = nextNonPing(socket);
                answer = reply == null ? "ws:closed-without-answer" : "sio:" + reply;
                if (i == max && reply != null) {
                    RawWebSocket.Closed closed = socket.awaitClose();
                    answer = answer + "+ws:close:" + closed.code();
                }
                tally.record("sio:refused-connect", "40" + Tally.abbreviate(auth), answer,
                        Set.of(i == max ? "sio:44{\"message\":\"unauthorized\"}+ws:close:1008" : "sio:44{\"message\":\"unauthorized\"}"));
            }
        } finally {
            socket.close();
        }
        return max;
    }

    private static String nextNonPing(RawWebSocket socket) {
        while (true) {
            RawWebSocket.Frame frame = socket.next();
            if (frame.opcode() == RawWebSocket.CLOSE) {
                return null;
            }
            if (!"2".equals(frame.text())) {
                return frame.text();
            }
            socket.sendText("3");
        }
    }

    /** A refused upgrade to /ws: every bad token kind, and a header that is no bearer token at all. */
    private void badTokenUpgrade(Random random) {
        List<BadTokens.Kind> kinds = BadTokens.all();
        String header;
        String name;
        if (random.nextInt(4) == 0) {
            String[] notBearer = { "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "bearer  x.y.z", Garbage.printable(random, 30) };
            header = notBearer[random.nextInt(notBearer.length)];
            name = "not a bearer token";
        } else {
            BadTokens.Kind kind = kinds.get(random.nextInt(kinds.size()));
            header = "Bearer " + kind.forUser().apply(nextUser());
            name = kind.name();
        }
        RawWebSocket.Upgrade upgrade = RawWebSocket.upgrade(base, "/ws", Map.of("Authorization", header));
        if (upgrade.socket() != null) {
            upgrade.socket().close();
        }
        tally.record("ws:bad-token-upgrade", name + ": " + header, "upgrade:" + upgrade.status(), Set.of("upgrade:401"));
    }

    /**
     * What the server did after the abuse: its close code; or, when it went on, {@code ws:ignored} once probes are
     * answered; or the error frame it answered with. A close issued from an error callback may follow the answer to
     * a request sent after the abuse, so one answered probe is not taken as proof: up to {@value #PROBES}.
     */
    private String answerAfter(Connection connection) {
        try {
            for (int probes = 0; probes < PROBES; probes++) {
                Sent probe = probe(connection);
                try {
                    connection.socket.sendText(probe.input());
                } catch (UncheckedIOException closedAlready) {
                    // the server closed first: its close frame may still be readable
                }
                String answer = null;
                while (answer == null) {
                    RawWebSocket.Frame frame = connection.socket.next();
                    if (frame.opcode() == RawWebSocket.CLOSE) {
                        return "ws:close:" + closeCode(frame);
                    }
                    Answer reply = connection.dialect == Dialect.NATIVE ? nativeAnswer(frame.text())
                            : socketIoAnswer(connection, frame.text());
                    if (reply != null) {
                        answer = probe.correlation().equals(reply.correlation()) ? "ws:ignored" : reply.code();
                    }
                }
                if (!answer.equals("ws:ignored")) {
                    return answer;
                }
            }
            return "ws:ignored";
        } catch (UncheckedIOException e) {
            return "ws:dropped-without-close-frame";
        }
    }

    private static boolean sendQuietly(Connection connection, RawFrame frame) {
        try {
            connection.socket.sendFrame(frame.opcode(), frame.fin(), frame.payload());
            return true;
        } catch (UncheckedIOException closedAlready) {
            return false; // the server closed while the frame was written: its close frame tells why
        }
    }

    private static int closeCode(RawWebSocket.Frame close) {
        byte[] payload = close.payload();
        return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }

    // --- connections -------------------------------------------------------------------------------------------

    private synchronized String nextUser() {
        return laneName + "-" + (userTurn++ % USERS_PER_LANE);
    }

    private String token(String user) {
        return tokens.computeIfAbsent(user, TestTokens::forUser);
    }

    private Connection connect(Dialect dialect, String user) {
        if (dialect == Dialect.NATIVE) {
            RawWebSocket socket = RawWebSocket.open(base, "/ws", Map.of("Authorization", "Bearer " + token(user)));
            String welcome = socket.nextText();
            if (!welcome.contains("\"welcome\"")) {
                throw new AssertionError("no welcome: " + welcome);
            }
            return new Connection(dialect, socket);
        }
        return new Connection(dialect, SocketIoFrames.connect(base, user).socket());
    }

    /** One socket of the lane, with the counter its refs and ack ids come from. */
    private static final class Connection implements AutoCloseable {
        final Dialect dialect;
        final RawWebSocket socket;
        long nextId = 1;

        Connection(Dialect dialect, RawWebSocket socket) {
            this.dialect = dialect;
            this.socket = socket;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (UncheckedIOException alreadyGone) {
                // closed by the server
            }
        }
    }

    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
