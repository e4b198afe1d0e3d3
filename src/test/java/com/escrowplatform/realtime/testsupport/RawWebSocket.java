package com.escrowplatform.realtime.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain {@link Socket}, for tests that must control the bytes on the wire: the
 * upgrade request, each frame's length, fragmentation and payload (even invalid UTF-8), and an abrupt drop
 * without a close frame. Not thread-safe: one test thread drives it.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int TEXT = 0x1;
    public static final int CONTINUATION = 0x0;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;
    /** What {@link #awaitClose()} returns when the connection ended without a close frame (RFC 6455 7.1.5). */
    public static final int ABNORMAL = 1006;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** A refused or accepted upgrade: the status line's code, the headers (names in lower case), the body. */
    public record Upgrade(int status, Map<String, String> headers, String body, RawWebSocket socket) {
    }

    public record Frame(int opcode, boolean fin, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    public record Closed(int code, String reason) {
    }

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Opens {@code pathAndQuery} on {@code base}; fails unless the server answers 101. */
    public static RawWebSocket open(URI base, String pathAndQuery, Map<String, String> headers) {
        Upgrade upgrade = upgrade(base, pathAndQuery, headers);
        if (upgrade.status() != 101) {
            throw new AssertionError("upgrade refused with " + upgrade.status() + ": " + upgrade.body());
        }
        return upgrade.socket();
    }

    /** Sends the upgrade request and reads the answer; a refused upgrade's connection is closed after its body. */
    public static Upgrade upgrade(URI base, String pathAndQuery, Map<String, String> headers) {
        try {
            Socket socket = new Socket(base.getHost(), base.getPort());
            socket.setSoTimeout(20_000);
            RawWebSocket raw = new RawWebSocket(socket);
            StringBuilder request = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\n")
                    .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                    .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                    .append("Sec-WebSocket-Key: ").append(Base64.getEncoder().encodeToString(randomBytes(16))).append("\r\n");
            headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
            raw.out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            raw.out.flush();
            String statusLine = raw.readLine();
            Map<String, String> answer = new LinkedHashMap<>();
            for (String line = raw.readLine(); !line.isEmpty(); line = raw.readLine()) {
                int colon = line.indexOf(':');
                answer.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            if (status == 101) {
                return new Upgrade(status, answer, "", raw);
            }
            int length = Integer.parseInt(answer.getOrDefault("content-length", "0"));
            String body = new String(raw.in.readNBytes(length), StandardCharsets.UTF_8);
            socket.close();
            return new Upgrade(status, answer, body, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One masked frame as a client must send it (RFC 6455 5.3). */
    public RawWebSocket sendFrame(int opcode, boolean fin, byte[] payload) {
        try {
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
            frame.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else if (payload.length <= 0xffff) {
                frame.write(0x80 | 126);
                frame.write(payload.length >>> 8);
                frame.write(payload.length & 0xff);
            } else {
                frame.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) (((long) payload.length >>> shift) & 0xff));
                }
            }
            byte[] mask = randomBytes(4);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A frame the server refuses, maybe before it has read all of it: it sends its close frame and ends the
     * connection, so the rest of a large frame may meet a broken pipe or a reset. That is not a failure here;
     * {@link #awaitClose()} then reads what the server answered.
     */
    public RawWebSocket sendRefusedFrame(int opcode, boolean fin, byte[] payload) {
        try {
            return sendFrame(opcode, fin, payload);
        } catch (UncheckedIOException endedByTheServer) {
            return this;
        }
    }

    /** One unfragmented text frame. */
    public RawWebSocket sendText(String text) {
        return sendFrame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame from the server (pings are answered and skipped). */
    public Frame next() {
        try {
            while (true) {
                Frame frame = readFrame();
                if (frame.opcode() == PING) {
                    sendFrame(PONG, true, frame.payload());
                    continue;
                }
                return frame;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next text message, its fragments joined, skipping pongs. */
    public String nextText() {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        boolean inText = false;
        while (true) {
            Frame frame = next();
            if (frame.opcode() == CLOSE) {
                throw new AssertionError("closed by the server: " + closed(frame));
            }
            if (frame.opcode() == TEXT || (inText && frame.opcode() == CONTINUATION)) {
                inText = true;
                message.writeBytes(frame.payload());
                if (frame.fin()) {
                    return message.toString(StandardCharsets.UTF_8);
                }
            }
        }
    }

    /**
     * Reads until the server's close frame and returns its code and reason, or {@link #ABNORMAL} when the
     * connection ends without one. Text frames on the way are skipped.
     */
    public Closed awaitClose() {
        try {
            while (true) {
                Frame frame = readFrame();
                if (frame.opcode() == CLOSE) {
                    return closed(frame);
                }
            }
        } catch (EOFException | SocketTimeoutException e) {
            return new Closed(ABNORMAL, e.toString());
        } catch (IOException e) {
            return new Closed(ABNORMAL, e.toString()); // a reset: the server dropped the connection
        }
    }

    /** Ends the TCP connection at once, without a close frame: a client that vanished. */
    public void drop() {
        try {
            socket.setSoLinger(true, 0); // RST instead of FIN, like a crashed client's host
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Closed closed(Frame frame) {
        byte[] payload = frame.payload();
        if (payload.length < 2) {
            return new Closed(1005, "");
        }
        return new Closed(((payload[0] & 0xff) << 8) | (payload[1] & 0xff),
                new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8));
    }

    private Frame readFrame() throws IOException {
        int first = readByte();
        int second = readByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = (readByte() << 8) | readByte();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | readByte();
            }
        }
        byte[] payload = in.readNBytes((int) length);
        if (payload.length < length) {
            throw new EOFException("connection ended inside a frame");
        }
        return new Frame(first & 0x0f, (first & 0x80) != 0, payload);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection ended");
        }
        return b;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = readByte(); b != '\n'; b = readByte()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
