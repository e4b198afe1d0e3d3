package com.escrowplatform.realtime.gateway;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;

/**
 * One event on its way to clients: an immutable value built once by the live consumer (or a replay
 * reader) and shared by every socket it goes to.
 *
 * <p>Serialization happens once per event, never per socket: {@link #nativeFrame()} and
 * {@link #encodedFor(FrameCodec)} build a frame on first use and cache it. Safe to use from any thread;
 * the caches are filled by a racy but idempotent compare-and-set, so two threads may both build a frame
 * once, and both get the same cached instance afterwards.
 */
public final class GatewayEvent {

    /** The event types of the contract (section 3), exactly. */
    public static final Set<String> TYPES = Set.of(
            "escrow:status_changed", "escrow:milestone_released", "escrow:dispute_filed",
            "escrow:dispute_resolved", "escrow:party_joined", "notification:new");

    /** The native protocol's event frame: {@code {"type":…,"room":…,"id":…,"data":{…}}}. */
    static final FrameCodec<String> NATIVE = GatewayEvent::buildNativeFrame;

    // A codec created per call would defeat the cache; beyond this many codecs, frames are not cached.
    private static final int MAX_CACHED_CODECS = 4;
    // Fixed characters of the native frame, for sizeBytes().
    private static final int NATIVE_FRAME_OVERHEAD = 37;
    private static final VarHandle ENCODINGS;
    private static final Object[] NO_ENCODINGS = new Object[0];

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

    /** Pairs of (codec, frame), replaced as a whole on each addition. */
    @SuppressWarnings("unused") // accessed through ENCODINGS
    private volatile Object[] encodings = NO_ENCODINGS;

    /**
     * @param room     {@code escrow:<id>} or {@code user:<sub>}
     * @param position the record's place in its partition
     * @param ceId     the CloudEvents id: the dedupe key
     * @param type     one of {@link #TYPES}
     * @param dataJson the already-serialized {@code data} object
     */
    public GatewayEvent(String room, StreamPosition position, String ceId, String type, String dataJson) {
        this.room = Objects.requireNonNull(room, "room");
        this.position = Objects.requireNonNull(position, "position");
        this.ceId = Objects.requireNonNull(ceId, "ceId");
        this.type = Objects.requireNonNull(type, "type");
        this.dataJson = Objects.requireNonNull(dataJson, "dataJson");
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("not an event type of the contract: " + type);
        }
        if (!looksLikeJsonObject(dataJson)) {
            throw new IllegalArgumentException("data must be a JSON object");
        }
        this.id = EventIds.encode(room, position);
        this.sizeBytes = NATIVE_FRAME_OVERHEAD + type.length() + room.length() + id.length() + dataJson.length();
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

    /** The opaque event id clients see and send back as {@code lastEventId}. */
    public String id() {
        return id;
    }

    /**
     * An estimate of the bytes this event occupies in an outbound queue: the length of its native frame
     * counted in characters (exact for ASCII, low for other text). Used for queue and window accounting,
     * so it must not change over the event's life.
     */
    public int sizeBytes() {
        return sizeBytes;
    }

    /** {@code {"type":"<type>","room":"<room>","id":"<id>","data":<data>}}, built once. */
    public String nativeFrame() {
        return encodedFor(NATIVE);
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
        while (current.length < 2 * MAX_CACHED_CODECS) {
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

    private static String buildNativeFrame(GatewayEvent e) {
        StringBuilder out = new StringBuilder(e.sizeBytes + 16);
        out.append("{\"type\":");
        Json.quote(out, e.type).append(",\"room\":");
        Json.quote(out, e.room).append(",\"id\":");
        Json.quote(out, e.id).append(",\"data\":");
        return out.append(e.dataJson).append('}').toString();
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
