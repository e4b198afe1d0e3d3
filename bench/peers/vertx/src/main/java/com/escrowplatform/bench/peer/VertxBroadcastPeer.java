package com.escrowplatform.bench.peer;

import io.netty.buffer.ByteBuf;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.http.impl.ws.WebSocketFrameImpl;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Comparison baseline for the benchmarks, not part of the service: the JVM's ceiling for the same job.
 * One event loop, no authentication, no replay, rooms are a plain map. Speaks the subset of the native
 * protocol the load generator needs: welcome on open, subscribe/unsubscribe with their replies, event frames
 * {@code {"type","room","id","data"}} for every record of the Kafka topic, keyed room {@code escrow:<key>}.
 *
 * <p>Threads: the single event loop owns {@link #rooms}, {@link #roomsOf} and every socket. The Kafka thread
 * only polls, checks and encodes each record into one frame, then hands it to the event loop
 * ({@code runOnContext}), which writes the same bytes to every socket of the room.
 *
 * <p>stdout carries only JSON lines: one {@code started}, optional {@code stats}, one {@code stopped}.
 */
public final class VertxBroadcastPeer extends AbstractVerticle {

    private static final int MAX_FRAME = 64 * 1024;

    private final Options options;
    // Event loop only.
    private final Map<String, Set<ServerWebSocket>> rooms = new HashMap<>();
    private final Map<ServerWebSocket, Set<String>> roomsOf = new HashMap<>();
    private long sessions;
    // Read by the stats printer and the shutdown hook, written on the event loop.
    private volatile long connections;
    private volatile long subscribes;
    private volatile long deliveries;
    private volatile long slowClosed;
    private volatile int sockets;
    // Written by the Kafka thread.
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong badRecords = new AtomicLong();
    private HttpServer server;
    // Why and with what status the process ends; the shutdown hook halts with it (a signal would give 143).
    private static volatile String stopReason = "signal";
    private static volatile int exitStatus = 0;

    private VertxBroadcastPeer(Options options) {
        this.options = options;
    }

    @Override
    public void start(Promise<Void> started) {
        HttpServerOptions serverOptions = new HttpServerOptions()
                .setHost(options.host)
                .setPort(options.port)
                // Compression off, as for the service's reference figures.
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setMaxWebSocketFrameSize(MAX_FRAME)
                .setMaxWebSocketMessageSize(MAX_FRAME)
                .setTcpNoDelay(true);
        server = vertx.createHttpServer(serverOptions)
                .webSocketHandler(this::onOpen)
                .requestHandler(request -> request.response().setStatusCode(404).end());
        server.listen().<Void>mapEmpty().onComplete(started);
    }

    private void onOpen(ServerWebSocket ws) {
        if (!"/ws".equals(ws.path())) {
            ws.reject(404);
            return;
        }
        connections++;
        sockets++;
        roomsOf.put(ws, new HashSet<>(2));
        ws.writeTextMessage(new JsonObject().put("type", "welcome").put("sessionId", Long.toString(++sessions))
                .put("userId", null).encode());
        ws.textMessageHandler(text -> onText(ws, text));
        ws.binaryMessageHandler(binary -> ws.close((short) 1003, "text frames only"));
        ws.exceptionHandler(error -> { });
        ws.closeHandler(ignored -> onClose(ws));
    }

    private void onText(ServerWebSocket ws, String text) {
        JsonObject frame;
        try {
            frame = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            ws.writeTextMessage(error(null, "bad_request", "not a JSON object"));
            return;
        }
        Object ref = frame.getValue("ref");
        Object op = frame.getValue("op");
        Object room = frame.getValue("room");
        if (!(room instanceof String) || ((String) room).isEmpty() || ((String) room).length() > 200) {
            ws.writeTextMessage(error(ref, "invalid_room", "room must be a non-empty string"));
            return;
        }
        Set<String> mine = roomsOf.get(ws);
        if (mine == null) {
            return; // closed meanwhile
        }
        String name = (String) room;
        if ("subscribe".equals(op)) {
            if (mine.add(name)) {
                rooms.computeIfAbsent(name, key -> new HashSet<>(16)).add(ws);
            }
            subscribes++;
            ws.writeTextMessage(new JsonObject().put("type", "subscribed").put("room", name).put("ref", ref)
                    .put("recovered", false).put("replayed", 0).put("position", null).encode());
        } else if ("unsubscribe".equals(op)) {
            if (mine.remove(name)) {
                leave(name, ws);
            }
            ws.writeTextMessage(new JsonObject().put("type", "unsubscribed").put("room", name).put("ref", ref).encode());
        } else {
            ws.writeTextMessage(error(ref, "bad_request", "unknown op"));
        }
    }

    private static String error(Object ref, String code, String message) {
        return new JsonObject().put("type", "error").put("ref", ref).put("code", code).put("message", message).encode();
    }

    private void onClose(ServerWebSocket ws) {
        Set<String> mine = roomsOf.remove(ws);
        if (mine == null) {
            return;
        }
        sockets--;
        for (String room : mine) {
            leave(room, ws);
        }
    }

    private void leave(String room, ServerWebSocket ws) {
        Set<ServerWebSocket> members = rooms.get(room);
        if (members != null && members.remove(ws) && members.isEmpty()) {
            rooms.remove(room);
        }
    }

    /** Event loop: the same encoded bytes go to every socket of the room. */
    private void broadcast(String room, Buffer frame) {
        Set<ServerWebSocket> members = rooms.get(room);
        if (members == null) {
            return;
        }
        List<ServerWebSocket> slow = null;
        for (ServerWebSocket ws : members) {
            if (ws.writeQueueFull()) {
                if (slow == null) {
                    slow = new ArrayList<>();
                }
                slow.add(ws);
                continue;
            }
            // The public textFrame(String) encodes the text again for each socket; this frame wraps a fresh
            // view of the shared bytes (Vert.x heap buffers are never freed by a write).
            ByteBuf view = frame.getByteBuf();
            ws.writeFrame(new WebSocketFrameImpl(WebSocketFrameType.TEXT, view, true));
            deliveries++;
        }
        if (slow != null) {
            for (ServerWebSocket ws : slow) {
                slowClosed++;
                ws.close((short) 4008, "too slow");
            }
        }
    }

    /** Kafka thread: a group-less consumer of every partition, from the end, committing nothing. */
    private final class KafkaPump implements Runnable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Context loop;
        private final CountDownLatch ready = new CountDownLatch(1);
        private volatile boolean running = true;
        private volatile int partitions;
        private volatile Throwable failure;

        KafkaPump(Context loop) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, options.kafka);
            props.put(ConsumerConfig.CLIENT_ID_CONFIG, "bench-peer-vertx-" + ProcessHandle.current().pid());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            this.consumer = new KafkaConsumer<>(props);
            this.loop = loop;
        }

        @Override
        public void run() {
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(options.topic, Duration.ofSeconds(30));
                if (infos == null || infos.isEmpty()) {
                    throw new IllegalStateException("topic " + options.topic + " has no partitions");
                }
                List<TopicPartition> assigned = new ArrayList<>();
                for (PartitionInfo info : infos) {
                    assigned.add(new TopicPartition(info.topic(), info.partition()));
                }
                consumer.assign(assigned);
                consumer.seekToEnd(assigned);
                for (TopicPartition tp : assigned) {
                    consumer.position(tp, Duration.ofSeconds(30)); // the end is fixed before we say we are ready
                }
                partitions = assigned.size();
                ready.countDown();
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        records.incrementAndGet();
                        Buffer frame = encode(record);
                        if (frame == null) {
                            badRecords.incrementAndGet();
                            continue;
                        }
                        String room = "escrow:" + new String(record.key(), StandardCharsets.UTF_8);
                        loop.runOnContext(ignored -> broadcast(room, frame));
                    }
                }
            } catch (WakeupException e) {
                // stopping
            } catch (Throwable e) {
                failure = e;
                System.err.println("kafka consumer failed: " + e);
            } finally {
                ready.countDown();
                consumer.close(Duration.ofSeconds(2));
            }
        }

        void stop() {
            running = false;
            consumer.wakeup();
        }
    }

    /** One frame per record: {"type","room","id","data"} with the record value (checked to be a JSON object). */
    private static Buffer encode(ConsumerRecord<byte[], byte[]> record) {
        Header type = record.headers().lastHeader("ce_type");
        if (type == null || type.value() == null || record.key() == null || record.value() == null) {
            return null;
        }
        try {
            new JsonObject(Buffer.buffer(record.value()));
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
        String room = "escrow:" + new String(record.key(), StandardCharsets.UTF_8);
        String head = "{\"type\":" + quote(new String(type.value(), StandardCharsets.UTF_8))
                + ",\"room\":" + quote(room)
                + ",\"id\":\"" + record.partition() + "-" + record.offset() + "\",\"data\":";
        byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
        return Buffer.buffer(headBytes.length + record.value().length + 1)
                .appendBytes(headBytes).appendBytes(record.value()).appendByte((byte) '}');
    }

    private static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private Map<String, Object> counters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sockets", sockets);
        m.put("connections", connections);
        m.put("subscribes", subscribes);
        m.put("records", records.get());
        m.put("badRecords", badRecords.get());
        m.put("deliveries", deliveries);
        m.put("slowClosed", slowClosed);
        return m;
    }

    private static synchronized void printJson(Map<String, Object> fields) {
        JsonObject line = new JsonObject().put("peer", "vertx").put("ts", System.currentTimeMillis());
        fields.forEach(line::put);
        System.out.println(line.encode());
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        VertxBroadcastPeer peer = new VertxBroadcastPeer(options);
        String deployment;
        try {
            deployment = vertx.deployVerticle(peer).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("start failed: " + e);
            vertx.close();
            System.exit(1);
            return;
        }
        KafkaPump pump = peer.new KafkaPump(peer.context);
        Thread kafkaThread = new Thread(pump, "kafka-pump");
        kafkaThread.start();
        pump.ready.await();
        if (pump.failure != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            System.exit(1);
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            pump.stop();
            try {
                kafkaThread.join(5000);
                vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                System.err.println("stop: " + e);
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("event", "stopped");
            line.put("reason", stopReason);
            line.putAll(peer.counters());
            printJson(line);
            stopped.countDown();
            Runtime.getRuntime().halt(exitStatus);
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "started");
        line.put("pid", ProcessHandle.current().pid());
        line.put("port", peer.server.actualPort());
        line.put("host", options.host);
        line.put("kafka", options.kafka);
        line.put("topic", options.topic);
        line.put("partitions", pump.partitions);
        line.put("deployment", deployment);
        line.put("java", System.getProperty("java.version"));
        line.put("vertx", io.vertx.core.impl.launcher.commands.VersionCommand.getVersion());
        printJson(line);

        if (options.statsIntervalMs > 0) {
            vertx.setPeriodic(options.statsIntervalMs, id -> {
                Map<String, Object> stats = new LinkedHashMap<>();
                stats.put("event", "stats");
                stats.putAll(peer.counters());
                printJson(stats);
            });
        }
        // Ends with whoever started it, so that a crashed orchestrator leaves no server behind.
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        while (stopped.getCount() > 0) {
            if (options.watchParent && ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) != parent) {
                stopReason = "parent-gone";
                System.exit(0); // runs the hook
            }
            if (!kafkaThread.isAlive() && pump.failure != null) {
                stopReason = "consumer-failed";
                exitStatus = 1;
                System.exit(1);
            }
            stopped.await(1, TimeUnit.SECONDS);
        }
    }

    /** Flags, each also read from the environment. */
    private record Options(String host, int port, String kafka, String topic, long statsIntervalMs, boolean watchParent) {
        static Options parse(String[] args) {
            Map<String, String> env = System.getenv();
            String host = env.getOrDefault("PEER_HOST", "127.0.0.1");
            String port = env.getOrDefault("PEER_PORT", "8090");
            String kafka = env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
            String topic = env.getOrDefault("PEER_TOPIC", "escrow.events");
            String stats = env.getOrDefault("PEER_STATS_INTERVAL_MS", "0");
            boolean watchParent = !"false".equals(env.get("PEER_WATCH_PARENT"));
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.equals("--no-watch-parent")) {
                    watchParent = false;
                    continue;
                }
                String flag = arg;
                String value;
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    flag = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException("flag " + arg + " needs a value");
                }
                switch (flag) {
                    case "--host" -> host = value;
                    case "--port" -> port = value;
                    case "--kafka" -> kafka = value;
                    case "--topic" -> topic = value;
                    case "--stats-interval-ms" -> stats = value;
                    default -> throw new IllegalArgumentException("unknown flag " + flag);
                }
            }
            try {
                int p = Integer.parseInt(port);
                long s = Long.parseLong(stats);
                if (p < 0 || p > 65535 || s < 0) {
                    throw new NumberFormatException();
                }
                return new Options(host, p, kafka, topic, s, watchParent);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad --port or --stats-interval-ms");
            }
        }
    }
}
