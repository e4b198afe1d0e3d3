package com.escrowplatform.realtime.gateway.event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

import com.escrowplatform.realtime.outbox.EventTypes;
import com.escrowplatform.realtime.tracing.EventTrace;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * One event on its way to clients: an immutable value built once by the live consumer (or a replay
 * reader) and shared by every socket it goes to.
 *
 * <p>Serialization happens once per event, never per socket: {@link #nativeFrameBytes()} and
 * {@link #encodedFor(FrameCodec)} build a frame on first use and cache it, within a budget of two frames in UTF-8
 * (one per protocol) that {@link #retainedBytes()} counts up front. Frames are kept as the bytes that go on the
 * wire ({@link #sharedFrame}), so that every socket's write wraps the same bytes: a frame queued for a thousand
 * sockets (a room's slow readers, a burst) is in memory once, not a thousand times. Safe to use from any thread;
 * the caches are filled by a racy but idempotent compare-and-set, so two threads may both build a frame
 * once, and both get the same cached instance afterwards.
 */
public final class GatewayEvent {

    /** The native protocol's event frame in UTF-8: {@code {"type":…,"room":…,"id":…,"data":{…}}}. */
    static final FrameCodec<ByteBuffer> NATIVE = event -> sharedFrame(buildNativeFrame(event).getBytes(StandardCharsets.UTF_8));
    /**
     * Frames up to this size stay in the heap: Netty's WebSocket encoder copies a payload this small into the frame's
     * header buffer anyway. Larger ones are kept off the heap, which Netty writes to every socket as they are; a heap
     * buffer it would first copy into a direct one, per socket, and keep that copy for as long as the socket's queue
     * holds it (measured: a thousand slow readers of 64 KiB events held both event loops allocating and copying).
     */
    static final int HEAP_FRAME_MAX_BYTES = 1024;

    // A codec created per call would defeat the cache; beyond this many codecs, frames are not cached.
    private static final int MAX_CACHED_CODECS = 4;
    // Fixed characters of the native frame, for sizeBytes().
    private static final int NATIVE_FRAME_OVERHEAD = 37;
    // Heap layout of a 64-bit JVM with compressed references (any heap under 32 GiB), for retainedBytes():
    // this object, its StreamPosition and a full encodings array; a String object; an array's header.
    private static final int EVENT_OBJECTS_BYTES = 64 + 32 + 16 + 8 * MAX_CACHED_CODECS;
    private static final int STRING_OBJECT_BYTES = 24;
    private static final int ARRAY_HEADER_BYTES = 16;
    /** A {@link #sharedFrame}'s objects beside its bytes, off-heap ones the most (buffer, view, cleaner). */
    private static final int SHARED_FRAME_OBJECTS_BYTES = 256;
    /** What a protocol's frame may add before the native frame's fields (Socket.IO's {@code 42["event",}). */
    private static final int MAX_FRAME_PREFIX_BYTES = 16;
    private static final VarHandle ENCODINGS;
    private static final Object[] NO_ENCODINGS = new Object[0];
    // stateless and shared: escaping a field allocates nothing unless the field needs an escape
    private static final JsonStringEncoder JSON_STRINGS = JsonStringEncoder.getInstance();

    static {
        try {
            ENCODINGS = MethodHandles.lookup().findVarHandle(GatewayEvent.class, "encodings", Object[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String room;
    private final StreamPosition position;
    private final String ceId;
    private final String type;
    private final String dataJson;
    private final String id;
    private final int sizeBytes;
    private final long frameBudgetBytes;
    private final long retainedBytes;
    /** Null unless the record was traced (tracing on and a {@code traceparent} on it). */
    private final EventTrace trace;

    /** Pairs of (codec, frame), replaced as a whole on each addition. */
    @SuppressWarnings("unused") // accessed through ENCODINGS
    private volatile Object[] encodings = NO_ENCODINGS;

    /**
     * @param room     {@code escrow:<id>} or {@code user:<sub>}
     * @param position the record's place in its partition
     * @param ceId     the CloudEvents id: the dedupe key
     * @param type     one of the contract's {@link EventTypes#ALL}
     * @param dataJson the already-serialized {@code data} object
     */
    public GatewayEvent(String room, StreamPosition position, String ceId, String type, String dataJson) {
        this(room, position, ceId, type, dataJson, null);
    }

    /** @param trace what each delivery of this event continues ({@link EventTrace}), null when it is not traced */
    public GatewayEvent(String room, StreamPosition position, String ceId, String type, String dataJson,
            EventTrace trace) {
        this.room = Objects.requireNonNull(room, "room");
        this.position = Objects.requireNonNull(position, "position");
        this.ceId = Objects.requireNonNull(ceId, "ceId");
        this.type = Objects.requireNonNull(type, "type");
        this.dataJson = Objects.requireNonNull(dataJson, "dataJson");
        if (!EventTypes.ALL.contains(type)) {
            throw new IllegalArgumentException("not an event type of the contract: " + type);
        }
        if (!looksLikeJsonObject(dataJson)) {
            throw new IllegalArgumentException("data must be a JSON object");
        }
        this.id = EventIds.encode(room, position);
        this.sizeBytes = NATIVE_FRAME_OVERHEAD + type.length() + room.length() + id.length() + dataJson.length();
        // Frames copy the fields (escaped) plus ASCII syntax, in UTF-8. Budget: the native frame and one more
        // (Socket.IO's), at most a prefix longer.
        long frameUtf8 = NATIVE_FRAME_OVERHEAD + utf8Length(type) + utf8Length(room) + utf8Length(id)
                + utf8Length(dataJson) + escapesLength(type) + escapesLength(room) + escapesLength(id);
        this.frameBudgetBytes = 2 * SHARED_FRAME_OBJECTS_BYTES + align(ARRAY_HEADER_BYTES + frameUtf8)
                + align(ARRAY_HEADER_BYTES + frameUtf8 + MAX_FRAME_PREFIX_BYTES);
        this.trace = trace;
        this.retainedBytes = EVENT_OBJECTS_BYTES + stringBytes(room) + stringBytes(ceId) + stringBytes(type)
                + stringBytes(dataJson) + stringBytes(id) + frameBudgetBytes
                + (trace == null ? 0 : EventTrace.RETAINED_BYTES);
    }

    public String room() {
        return room;
    }

    public StreamPosition position() {
        return position;
    }

    public String ceId() {
        return ceId;
    }

    public String type() {
        return type;
    }

    public String dataJson() {
        return dataJson;
    }

    /** The trace each delivery of this event continues, or null when the event is not traced. */
    public EventTrace trace() {
        return trace;
    }

    /** The opaque event id clients see and send back as {@code lastEventId}. */
    public String id() {
        return id;
    }

    /**
     * An estimate of the bytes this event occupies in an outbound queue: the length of its native frame
     * counted in characters (exact for ASCII, low for other text). Used for outbound queue accounting, so it
     * must not change over the event's life.
     */
    public int sizeBytes() {
        return sizeBytes;
    }

    /**
     * The heap this event keeps alive while something holds it, counted up front so that it never changes:
     * its objects, its strings at their actual width (one byte a character when all of a string's characters
     * are Latin-1, else two), and the frames it may cache for both protocols, whether built yet or not
     * ({@link #encodedFor} caches no more than that). What the replay window's byte bound counts.
     */
    public long retainedBytes() {
        return retainedBytes;
    }

    /**
     * {@code {"type":"<type>","room":"<room>","id":"<id>","data":<data>}} in UTF-8, built once and shared by every
     * socket ({@link #sharedFrame}).
     */
    public ByteBuffer nativeFrameBytes() {
        return encodedFor(NATIVE);
    }

    /** {@link #nativeFrameBytes()} as text (a new String each call: for tests and logs, not for sockets). */
    public String nativeFrame() {
        return StandardCharsets.UTF_8.decode(nativeFrameBytes().duplicate()).toString();
    }

    /**
     * A frame's bytes as every socket shares them, off the heap above {@link #HEAP_FRAME_MAX_BYTES}: to be read, never
     * written (a large one is read-only). Readers take a duplicate or a slice (Netty's {@code Unpooled.wrappedBuffer}
     * does): the buffer's own position never moves, so any number of threads may read it at once. Off-heap memory is
     * freed with the buffer, by the collector; {@link #retainedBytes()} counts it like the heap.
     */
    public static ByteBuffer sharedFrame(byte[] utf8) {
        if (utf8.length <= HEAP_FRAME_MAX_BYTES) {
            return ByteBuffer.wrap(utf8); // wrapped by Netty as the plain array it is, the cheapest buffer to copy from
        }
        ByteBuffer direct = ByteBuffer.allocateDirect(utf8.length);
        direct.put(utf8).flip();
        return direct.asReadOnlyBuffer();
    }

    /** This event encoded by {@code codec}, built once per event and codec instance. */
    @SuppressWarnings("unchecked")
    public <T> T encodedFor(FrameCodec<T> codec) {
        Object[] current = (Object[]) ENCODINGS.getVolatile(this);
        T cached = (T) find(current, codec);
        if (cached != null) {
            return cached;
        }
        T built = Objects.requireNonNull(codec.encode(this), "codec produced null");
        long builtBytes = frameBytes(built);
        while (current.length < 2 * MAX_CACHED_CODECS && cachedFrameBytes(current) + builtBytes <= frameBudgetBytes) {
            Object[] extended = Arrays.copyOf(current, current.length + 2);
            extended[current.length] = codec;
            extended[current.length + 1] = built;
            if (ENCODINGS.compareAndSet(this, current, extended)) {
                return built;
            }
            current = (Object[]) ENCODINGS.getVolatile(this);
            Object raced = find(current, codec);
            if (raced != null) {
                return (T) raced;
            }
        }
        return built;
    }

    private static Object find(Object[] encodings, FrameCodec<?> codec) {
        for (int i = 0; i < encodings.length; i += 2) {
            if (encodings[i] == codec) {
                return encodings[i + 1];
            }
        }
        return null;
    }

    /** Bytes a cached frame retains; above any budget for a kind of frame whose size is not known here. */
    private static long frameBytes(Object frame) {
        if (frame instanceof String text) {
            return stringBytes(text);
        }
        if (frame instanceof byte[] bytes) {
            return align(ARRAY_HEADER_BYTES + bytes.length);
        }
        if (frame instanceof ByteBuffer bytes) {
            return SHARED_FRAME_OBJECTS_BYTES + align(ARRAY_HEADER_BYTES + bytes.capacity());
        }
        return Long.MAX_VALUE / 4;
    }

    private static long cachedFrameBytes(Object[] encodings) {
        long bytes = 0;
        for (int i = 1; i < encodings.length; i += 2) {
            bytes += frameBytes(encodings[i]);
        }
        return bytes;
    }

    private static long stringBytes(String text) {
        return stringBytes(text.length(), isLatin1(text));
    }

    /** A String keeps one byte a character when every character is Latin-1, two otherwise (compact strings). */
    private static long stringBytes(long chars, boolean latin1) {
        return STRING_OBJECT_BYTES + align(ARRAY_HEADER_BYTES + (latin1 ? chars : 2 * chars));
    }

    /** Characters that JSON escaping may add to {@code text} (at most a six-character escape for one). */
    private static int escapesLength(String text) {
        int added = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029') {
                added += 5;
            }
        }
        return added;
    }

    /** The length of {@code text} in UTF-8, or more (a surrogate pair, four bytes, counts six). */
    private static long utf8Length(String text) {
        long bytes = text.length();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 ? 1 : 2;
            }
        }
        return bytes;
    }

    private static boolean isLatin1(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }

    private static String buildNativeFrame(GatewayEvent e) {
        StringBuilder out = new StringBuilder(e.sizeBytes + 16);
        out.append("{\"type\":");
        appendJsonString(out, e.type).append(",\"room\":");
        appendJsonString(out, e.room).append(",\"id\":");
        appendJsonString(out, e.id).append(",\"data\":");
        return out.append(e.dataJson).append('}').toString();
    }

    private static StringBuilder appendJsonString(StringBuilder out, String value) {
        out.append('"');
        int escapedFrom = out.length();
        JSON_STRINGS.quoteAsString(value, out);
        escapeLineSeparators(out, escapedFrom);
        return out.append('"');
    }

    /**
     * Jackson leaves U+2028 and U+2029 as they are: valid JSON, but not valid JavaScript source before ES2019,
     * so they are escaped for old clients.
     */
    private static void escapeLineSeparators(StringBuilder out, int from) {
        for (int i = from; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c == '\u2028' || c == '\u2029') {
                out.replace(i, i + 1, c == '\u2028' ? "\\u2028" : "\\u2029");
                i += 5;
            }
        }
    }

    private static boolean looksLikeJsonObject(String json) {
        String trimmed = json.strip();
        return trimmed.length() >= 2 && trimmed.charAt(0) == '{' && trimmed.charAt(trimmed.length() - 1) == '}';
    }

    @Override
    public String toString() {
        return "GatewayEvent[" + type + " " + room + " " + position + " ce_id=" + ceId + "]";
    }
}
