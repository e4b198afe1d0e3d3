package com.escrowplatform.realtime.gateway.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.RoomPartitioner;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * A {@link ReplayWindow} holding, per partition, the most recent events within a count bound and a byte
 * bound (whichever is hit first evicts the oldest). The bytes are {@link GatewayEvent#retainedBytes()}: the
 * heap an event keeps alive with the frames it caches, so the byte bound is a bound on heap.
 *
 * <p><b>Locking</b>: one plain monitor per partition. The consumer holds it to append; readers hold it to
 * binary-search the ring and copy the matching events out ("copy under lock"), so a result is never a view
 * that the consumer could change. Critical sections are in-memory work bounded by the window size; no I/O
 * and no callback runs under the lock. A monitor, not a read-write lock, because its two-way
 * happens-before is what {@link ReplayWindow}'s visibility guarantee (and so the hub's seam) rests on.
 *
 * <p><b>Threads</b>: the live consumer appends; event-loop threads replay and read ends.
 */
public final class InMemoryReplayWindow implements ReplayWindow {

    /**
     * Consumers of two instances read the same partitions a few milliseconds apart; at a thousand records per
     * second per partition that is a handful of offsets. A thousand leaves room for a GC pause.
     */
    static final long DEFAULT_TOLERATED_LAG = 1000;

    private final RoomPartitioner partitioner;
    private final int maxEventsPerPartition;
    private final long maxBytesPerPartition;
    private final long toleratedLag;
    private final ConcurrentHashMap<StreamPartition, PartitionLog> logs = new ConcurrentHashMap<>();
    private final AtomicLong retainedEvents = new AtomicLong();
    private final AtomicLong retainedBytes = new AtomicLong();
    private final AtomicLong evictedEvents = new AtomicLong();

    /** A window that tolerates this instance's consumer trailing another's by {@link #DEFAULT_TOLERATED_LAG}. */
    public InMemoryReplayWindow(RoomPartitioner partitioner, int maxEventsPerPartition, long maxBytesPerPartition) {
        this(partitioner, maxEventsPerPartition, maxBytesPerPartition, DEFAULT_TOLERATED_LAG);
    }

    /**
     * @param partitioner           tells the room's current partition, to detect a recreated topic
     * @param maxEventsPerPartition count bound per partition, e.g. 10,000
     * @param maxBytesPerPartition  bound on {@link GatewayEvent#retainedBytes()} summed per partition (the heap
     *                              its events keep, their cached frames included), e.g. 16 MiB
     * @param toleratedLag          offsets by which a resume position may be ahead of what this instance has
     *                              consumed and still be taken as "our consumer is behind" (see
     *                              {@link ReplayWindow#replay}); 0 sends every such position to the cold path
     */
    InMemoryReplayWindow(RoomPartitioner partitioner, int maxEventsPerPartition, long maxBytesPerPartition,
            long toleratedLag) {
        this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
        if (maxEventsPerPartition < 1 || maxBytesPerPartition < 1 || toleratedLag < 0) {
            throw new IllegalArgumentException("bounds must be positive");
        }
        this.maxEventsPerPartition = maxEventsPerPartition;
        this.maxBytesPerPartition = maxBytesPerPartition;
        this.toleratedLag = toleratedLag;
    }

    @Override
    public void append(GatewayEvent event) {
        logs.computeIfAbsent(event.position().stream(), p -> new PartitionLog()).append(event);
    }

    @Override
    public void startAt(StreamPartition partition, long nextOffset) {
        logs.computeIfAbsent(partition, p -> new PartitionLog()).startAt(nextOffset);
    }

    @Override
    public ReplayResult replay(String room, StreamPosition after, int maxEvents) {
        StreamPartition current = partitioner.partitionOf(room);
        if (!current.topicId().equals(after.topicId())) {
            return new ReplayResult.Unrecoverable(ReplayResult.Reason.TOPIC_RECREATED);
        }
        if (current.partition() != after.partition()) {
            return new ReplayResult.Unrecoverable(ReplayResult.Reason.PARTITION_CHANGED);
        }
        PartitionLog log = logs.get(current);
        return log == null ? ReplayResult.NotInWindow.INSTANCE : log.replay(room, after.offset(), maxEvents);
    }

    @Override
    public long endOffset(StreamPartition partition) {
        PartitionLog log = logs.get(partition);
        return log == null ? -1 : log.endOffset();
    }

    @Override
    public long retainedEvents() {
        return retainedEvents.get();
    }

    @Override
    public long retainedBytes() {
        return retainedBytes.get();
    }

    @Override
    public long evictedEvents() {
        return evictedEvents.get();
    }

    /** One partition's ring of events, oldest at {@code head}. Guarded by its own monitor. */
    private final class PartitionLog {
        private final GatewayEvent[] ring = new GatewayEvent[maxEventsPerPartition];
        private int head;
        private int size;
        private long bytes;
        /** Last appended offset, or the start position minus one. */
        private long lastOffset = -1;
        /** Every deliverable record from this offset on is held; MAX_VALUE while unknown. */
        private long completeFrom = Long.MAX_VALUE;

        synchronized void append(GatewayEvent event) {
            long offset = event.position().offset();
            if (completeFrom != Long.MAX_VALUE && offset <= lastOffset) {
                return; // a re-read after a consumer rewind: already held or already evicted
            }
            if (completeFrom == Long.MAX_VALUE) {
                completeFrom = offset; // first record seen: nothing before it is known
            }
            if (size == ring.length) {
                evictOldest();
            }
            ring[(head + size) % ring.length] = event;
            size++;
            bytes += event.retainedBytes();
            lastOffset = offset;
            retainedEvents.incrementAndGet();
            retainedBytes.addAndGet(event.retainedBytes());
            while (bytes > maxBytesPerPartition) {
                evictOldest();
            }
        }

        synchronized void startAt(long nextOffset) {
            boolean known = completeFrom != Long.MAX_VALUE;
            if (known && nextOffset <= lastOffset + 1) {
                return; // a rewind or a no-op: what is held stays complete
            }
            // A jump forward leaves records we never saw between what is held and the new position.
            clear();
            completeFrom = nextOffset;
            lastOffset = nextOffset - 1;
        }

        synchronized ReplayResult replay(String room, long afterOffset, int maxEvents) {
            if (completeFrom == Long.MAX_VALUE || afterOffset + 1 < completeFrom) {
                return ReplayResult.NotInWindow.INSTANCE; // evicted, or never seen
            }
            if (afterOffset > lastOffset) {
                // Handed out by an instance whose consumer is ahead of ours. Ours will get there, and every event
                // above the position arrives live; far ahead, only Kafka can say whether the position is real.
                return afterOffset - lastOffset <= toleratedLag
                        ? new ReplayResult.Recovered(List.of(), afterOffset)
                        : ReplayResult.NotInWindow.INSTANCE;
            }
            List<GatewayEvent> events = new ArrayList<>();
            for (int i = firstIndexAbove(afterOffset); i < size; i++) {
                GatewayEvent event = ring[(head + i) % ring.length];
                if (event.room().equals(room)) {
                    if (events.size() == maxEvents) {
                        return new ReplayResult.Unrecoverable(ReplayResult.Reason.TOO_MANY_EVENTS);
                    }
                    events.add(event);
                }
            }
            return new ReplayResult.Recovered(events, lastOffset);
        }

        synchronized long endOffset() {
            return lastOffset;
        }

        synchronized void clear() {
            retainedEvents.addAndGet(-size);
            retainedBytes.addAndGet(-bytes);
            Arrays.fill(ring, null);
            head = 0;
            size = 0;
            bytes = 0;
        }

        /** Ring index (0 = oldest) of the first event with an offset above {@code offset}; size if none. */
        private int firstIndexAbove(long offset) {
            int low = 0;
            int high = size;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (ring[(head + mid) % ring.length].position().offset() <= offset) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            return low;
        }

        private void evictOldest() {
            GatewayEvent oldest = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            bytes -= oldest.retainedBytes();
            completeFrom = oldest.position().offset() + 1;
            retainedEvents.decrementAndGet();
            retainedBytes.addAndGet(-oldest.retainedBytes());
            evictedEvents.incrementAndGet();
        }
    }
}
