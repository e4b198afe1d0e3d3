package com.escrowplatform.realtime.gateway.replay;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.escrowplatform.realtime.gateway.event.StreamPosition;

/**
 * Replays what the {@link ReplayWindow} no longer holds, typically by seeking a shared Kafka reader.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Never blocks the caller: the caller is an event-loop thread. The stage may complete on any thread,
 *       and must complete: a read that hangs should time out as {@code READ_FAILED} within a deadline counted from
 *       this call (waiting included), since the subscription holds back its room's live events until then.</li>
 *   <li>{@link ReplayResult.Recovered} lists every event of the room above {@code after.offset()} up to the
 *       partition's log end <em>read after this call began</em>, and its {@code lastOffset} is that end minus
 *       one (or higher). The hub checks that it reaches at least the window's end at subscription time; if it
 *       does not, the hub cannot prove there is no gap and answers "not recovered".</li>
 *   <li>Events are exactly what the live consumer would have delivered: malformed records skipped, and a
 *       record whose {@code ce_id} already appeared earlier in the partition dropped (read a look-back of the
 *       hub's dedupe horizon before {@code after} to know those ids).</li>
 *   <li>{@link ReplayResult.Unrecoverable} with {@code BEYOND_STREAM_END} when {@code after.offset()} is at or
 *       past the log end, {@code NOT_RETAINED} when records after it were deleted, {@code TOPIC_RECREATED}
 *       when {@code after} names another topic incarnation, {@code TOO_MANY_EVENTS} above {@code maxEvents},
 *       {@code READERS_BUSY} at once when it cannot take more waiting replays (it must bound them).</li>
 *   <li>Never answers {@link ReplayResult.NotInWindow}; the hub treats it as {@code NOT_RETAINED}.</li>
 * </ul>
 */
@FunctionalInterface
public interface ColdReplay {

    /** Until a Kafka reader exists: everything outside the window is unrecoverable. */
    ColdReplay NONE = (room, after, maxEvents) ->
            CompletableFuture.completedFuture(new ReplayResult.Unrecoverable(ReplayResult.Reason.NOT_RETAINED));

    CompletionStage<ReplayResult> replay(String room, StreamPosition after, int maxEvents);
}
