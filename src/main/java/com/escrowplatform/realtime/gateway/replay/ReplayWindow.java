package com.escrowplatform.realtime.gateway.replay;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;
import com.escrowplatform.realtime.gateway.event.StreamPartition;
import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * Recent events per partition, kept in memory so a reconnecting client can be resumed without reading
 * Kafka.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Order</b>: events are held in the order appended, which is offset order within a partition.</li>
 *   <li><b>Completeness</b>: for each partition the window knows the lowest offset from which it holds every
 *       deliverable record. {@link #replay} answers {@link ReplayResult.Recovered} only when that offset is at
 *       or below {@code after.offset + 1}; it never returns a partial list.</li>
 *   <li><b>Freshness</b>: a replay returns everything appended before it, and its
 *       {@link ReplayResult.Recovered#lastOffset()} is the last offset appended at that moment (or
 *       {@code after.offset()}, when that is higher; see {@link #replay}).</li>
 *   <li><b>Visibility</b>: an append happens-before any replay or {@link #endOffset} that runs after it, and
 *       a replay or {@code endOffset} happens-before any append that runs after it (implementations use one
 *       lock or equivalent per partition). The hub's no-gap seam relies on this second direction.</li>
 * </ul>
 *
 * <h2>Threads</h2>
 * {@link #append} and {@link #startAt} are called by one thread only, the live consumer, in offset order per
 * partition. Everything else may be called from any thread concurrently.
 */
public interface ReplayWindow {

    /**
     * Adds the next event of its partition, evicting the oldest as the bounds require. An event whose offset
     * is not above the partition's last appended offset is ignored (a consumer rewind re-reads records).
     * Consumer thread only.
     */
    void append(GatewayEvent event);

    /**
     * Declares that the live consumer reads {@code partition} from {@code nextOffset} on (its position when
     * the partition was assigned), so the window is complete from there even before the first record arrives,
     * and {@link #endOffset} is {@code nextOffset - 1} rather than unknown. A position past what the window
     * holds (a gap) clears the partition's events. Consumer thread only.
     */
    void startAt(StreamPartition partition, long nextOffset);

    /**
     * Every event of {@code room} with an offset above {@code after.offset()}, in order.
     *
     * <p>A position a little ahead of what this instance has consumed is normal: it was handed out by another
     * instance whose consumer was ahead of ours. Within a tolerated lag it is recovered with nothing to replay
     * (and {@code lastOffset = after.offset()}): the events above it arrive live. Further ahead, only Kafka can
     * tell a lagging consumer from a position that cannot be right, so it goes to the cold path.
     *
     * @return {@link ReplayResult.Recovered} when the window holds all of them;
     *         {@link ReplayResult.NotInWindow} when it may not (evicted, not yet seen, or {@code after} is
     *         further ahead of this instance's consumer than the tolerated lag);
     *         {@link ReplayResult.Unrecoverable} when the room's current partition is another topic
     *         incarnation or partition than {@code after}'s, or more than {@code maxEvents} events are missed
     */
    ReplayResult replay(String room, StreamPosition after, int maxEvents);

    /** The last offset appended for the partition, or {@code startAt - 1}, or -1 when nothing is known. */
    long endOffset(StreamPartition partition);

    /** Events held across all partitions (for metrics). */
    long retainedEvents();

    /** {@link GatewayEvent#retainedBytes()} summed over the events held (for metrics). */
    long retainedBytes();

    /** Events evicted to honour the bounds since start (for metrics). */
    long evictedEvents();
}
