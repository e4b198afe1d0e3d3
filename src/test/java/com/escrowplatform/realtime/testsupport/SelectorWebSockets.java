package com.escrowplatform.realtime.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Thousands of WebSocket clients on one selector thread, for tests that need many sockets and full control of
 * reading: {@link Client#stopReading()} takes the socket out of the selector, so nothing more leaves the kernel's
 * receive buffer, the TCP window closes and the server's writes back up, as with a client that stopped reading
 * (a Vert.x or JDK client keeps reading into a buffer of its own, and answers pings from it). A small
 * {@code receiveBufferBytes} makes that happen after a few KiB.
 *
 * <p>Speaks RFC 6455 as far as a test needs: the upgrade, masked text frames out, text frames in (continuations
 * joined), pings answered with pongs while reading, the close frame's code. No extensions.
 *
 * <p>Threads: every {@link Listener} call runs on the loop thread (one per instance), so a listener may keep
 * plain fields; the {@link Client} methods may be called from any thread and run as tasks on the loop. The loop
 * ends, and every socket with it, on {@link #close()}.
 */
public final class SelectorWebSockets implements AutoCloseable {
    /** What {@link Listener#closed} gets when the connection ended without a close frame (RFC 6455 7.1.5). */
    public static final int ABNORMAL = 1006;
    private static final int TEXT = 0x1;
    private static final int CONTINUATION = 0x0;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    /** The largest message a client accepts; a server frame beyond it ends the connection. */
    private static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** Callbacks of one client, on the loop thread. */
    public interface Listener {
        /** The server answered the upgrade with 101. */
        void opened(Client client);

        void text(Client client, String text);

        /**
         * The connection ended: {@code code} is the close frame's, {@link #ABNORMAL} without one, or the HTTP
         * status when the upgrade was refused. Called once.
         */
        void closed(Client client, int code, String reason);
    }

    private final Selector selector;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final List<Client> clients = new ArrayList<>();
    private final Thread loop;
    private volatile boolean running = true;

    public SelectorWebSockets(String name) {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        loop = new Thread(this::run, name);
        loop.setDaemon(true);
        loop.start();
    }

    /**
     * Starts connecting a client to {@code pathAndQuery} on {@code server} with these upgrade headers; the
     * listener hears the outcome. {@code receiveBufferBytes} above zero sets {@code SO_RCVBUF} before the
     * connect, so the window the client advertises stays that small.
     */
    public Client connect(InetSocketAddress server, String pathAndQuery, Map<String, String> headers,
            int receiveBufferBytes, Listener listener) {
        Client client = new Client(listener);
        execute(() -> client.start(server, pathAndQuery, headers, receiveBufferBytes));
        return client;
    }

    private void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void run() {
        while (running) {
            try {
                selector.select(100);
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
                }
                for (SelectionKey key : selector.selectedKeys()) {
                    ((Client) key.attachment()).ready(key);
                }
                selector.selectedKeys().clear();
            } catch (IOException | RuntimeException e) {
                if (running) {
                    throw new IllegalStateException("the client loop failed", e);
                }
            }
        }
    }

    /** Ends the loop and closes every socket; waits up to 10 s for the loop thread to be gone. */
    @Override
    public void close() {
        execute(() -> {
            running = false;
            clients.forEach(client -> client.end(ABNORMAL, "client loop closed", false));
        });
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
        if (loop.isAlive()) {
            throw new IllegalStateException(loop.getName() + " did not end");
        }
    }

    /** One WebSocket client; its state belongs to the loop thread. */
    public final class Client {
        private final Listener listener;
        private SocketChannel channel;
        private SelectionKey key;
        private ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        private final ArrayDeque<ByteBuffer> out = new ArrayDeque<>();
        private final ByteArrayOutputStream fragments = new ByteArrayOutputStream();
        private boolean upgraded;
        private boolean reading = true;
        private boolean ended;
        /** What the test keeps with this client. */
        public volatile Object attachment;

        private Client(Listener listener) {
            this.listener = listener;
        }

        /** Sends a text frame. Any thread. */
        public void send(String text) {
            execute(() -> write(TEXT, text.getBytes(StandardCharsets.UTF_8)));
        }

        /** Sends a pong nobody asked for: a one-way heartbeat (RFC 6455 5.5.3). Any thread. */
        public void sendUnsolicitedPong() {
            execute(() -> write(PONG, new byte[0]));
        }

        /** Reads nothing more from the socket, so pings go unanswered too, until {@link #resumeReading}. Any thread. */
        public void stopReading() {
            execute(() -> {
                reading = false;
                interest();
            });
        }

        /** Reads again, starting with what is buffered. Any thread. */
        public void resumeReading() {
            execute(() -> {
                reading = true;
                interest();
                if (!ended) {
                    parse();
                }
            });
        }

        private void start(InetSocketAddress server, String pathAndQuery, Map<String, String> headers, int receiveBufferBytes) {
            clients.add(this);
            try {
                channel = SocketChannel.open();
                channel.configureBlocking(false);
                if (receiveBufferBytes > 0) {
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferBytes);
                }
                StringBuilder request = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\n")
                        .append("Host: ").append(server.getHostString()).append(':').append(server.getPort()).append("\r\n")
                        .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                        .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(randomBytes(16)))
                        .append("\r\n");
                headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
                out.add(ByteBuffer.wrap(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1)));
                boolean connected = channel.connect(server);
                key = channel.register(selector, connected ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
                        : SelectionKey.OP_CONNECT, this);
            } catch (IOException e) {
                end(ABNORMAL, "connect failed: " + e, false);
            }
        }

        private void ready(SelectionKey readyKey) {
            try {
                if (readyKey.isValid() && readyKey.isConnectable()) {
                    channel.finishConnect();
                    interest();
                }
                if (readyKey.isValid() && readyKey.isWritable()) {
                    flush();
                }
                if (readyKey.isValid() && readyKey.isReadable() && reading) {
                    read();
                }
            } catch (IOException e) {
                end(ABNORMAL, e.toString(), false);
            }
        }

        private void interest() {
            if (ended || key == null || !key.isValid() || channel.isConnectionPending()) {
                return;
            }
            key.interestOps((reading ? SelectionKey.OP_READ : 0) | (out.isEmpty() ? 0 : SelectionKey.OP_WRITE));
        }

        private void read() throws IOException {
            if (!in.hasRemaining()) {
                grow();
            }
            int read = channel.read(in);
            if (read < 0) {
                end(ABNORMAL, "end of stream", false);
                return;
            }
            parse();
        }

        private void grow() {
            if (in.capacity() >= MAX_MESSAGE_BYTES + 16) {
                end(ABNORMAL, "frame over " + MAX_MESSAGE_BYTES + " bytes", false);
                return;
            }
            ByteBuffer bigger = ByteBuffer.allocate(Math.min(in.capacity() * 4, MAX_MESSAGE_BYTES + 16));
            in.flip();
            bigger.put(in);
            in = bigger;
        }

        /** Handles every whole frame in {@link #in}, as long as the client reads. */
        private void parse() {
            in.flip();
            try {
                if (!upgraded && !parseUpgrade()) {
                    return;
                }
                while (reading && !ended && parseFrame()) {
                    // one frame handled
                }
            } finally {
                if (!ended) {
                    in.compact();
                }
            }
        }

        private boolean parseUpgrade() {
            String head = StandardCharsets.ISO_8859_1.decode(in.duplicate()).toString();
            int end = head.indexOf("\r\n\r\n");
            if (end < 0) {
                return false;
            }
            in.position(in.position() + end + 4);
            String statusLine = head.substring(0, head.indexOf("\r\n"));
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            if (status != 101) {
                end(status, statusLine, false);
                return false;
            }
            upgraded = true;
            listener.opened(this);
            return true;
        }

        /** @return false when no whole frame is buffered */
        private boolean parseFrame() {
            if (in.remaining() < 2) {
                return false;
            }
            int start = in.position();
            int first = in.get(start) & 0xFF;
            int second = in.get(start + 1) & 0xFF;
            long length = second & 0x7F;
            int header = 2;
            if (length == 126) {
                if (in.remaining() < 4) {
                    return false;
                }
                length = in.getShort(start + 2) & 0xFFFF;
                header = 4;
            } else if (length == 127) {
                if (in.remaining() < 10) {
                    return false;
                }
                length = in.getLong(start + 2);
                header = 10;
            }
            if (length > MAX_MESSAGE_BYTES) {
                end(ABNORMAL, "frame of " + length + " bytes", false);
                return false;
            }
            if (in.remaining() < header + length) {
                if (in.capacity() < header + length) {
                    // the frame is bigger than the buffer: make room, then read on
                    in.position(start);
                    in.compact();
                    ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(MAX_MESSAGE_BYTES + 16L, (header + length) * 2));
                    in.flip();
                    bigger.put(in);
                    bigger.flip();
                    in = bigger;
                }
                return false;
            }
            byte[] payload = new byte[(int) length];
            in.position(start + header);
            in.get(payload);
            boolean fin = (first & 0x80) != 0;
            int opcode = first & 0x0F;
            switch (opcode) {
                case PING -> write(PONG, payload);
                case PONG -> {
                    // nothing asked for one
                }
                case CLOSE -> {
                    int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                    end(code, reason, true);
                    return false;
                }
                case TEXT, CONTINUATION -> {
                    fragments.writeBytes(payload);
                    if (fin) {
                        String text = fragments.toString(StandardCharsets.UTF_8);
                        fragments.reset();
                        listener.text(this, text);
                    }
                }
                default -> end(ABNORMAL, "unexpected opcode " + opcode, false);
            }
            return true;
        }

        private void write(int opcode, byte[] payload) {
            if (ended || channel == null) {
                return;
            }
            int lengthBytes = payload.length < 126 ? 0 : payload.length < 65536 ? 2 : 8;
            ByteBuffer frame = ByteBuffer.allocate(2 + lengthBytes + 4 + payload.length);
            frame.put((byte) (0x80 | opcode));
            if (lengthBytes == 0) {
                frame.put((byte) (0x80 | payload.length));
            } else if (lengthBytes == 2) {
                frame.put((byte) (0x80 | 126)).putShort((short) payload.length);
            } else {
                frame.put((byte) (0x80 | 127)).putLong(payload.length);
            }
            byte[] mask = randomBytes(4);
            frame.put(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.put((byte) (payload[i] ^ mask[i % 4]));
            }
            out.add(frame.flip());
            try {
                flush();
            } catch (IOException e) {
                end(ABNORMAL, e.toString(), false);
            }
        }

        private void flush() throws IOException {
            if (channel.isConnectionPending()) {
                return;
            }
            while (!out.isEmpty()) {
                ByteBuffer head = out.peek();
                channel.write(head);
                if (head.hasRemaining()) {
                    break;
                }
                out.poll();
            }
            interest();
        }

        /** Ends the connection once: a close frame is answered with one (best effort), then the socket closes. */
        private void end(int code, String reason, boolean closeFrame) {
            if (ended) {
                return;
            }
            if (closeFrame) {
                write(CLOSE, new byte[] { (byte) (code >> 8), (byte) code });
            }
            ended = true;
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closed anyway
            }
            listener.closed(this, code, reason);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
