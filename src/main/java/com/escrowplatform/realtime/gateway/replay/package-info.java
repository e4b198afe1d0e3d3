/**
 * Resuming a room after a position: the {@link com.escrowplatform.realtime.gateway.replay.ReplayWindow}
 * contract (recent events per partition, in memory) and its implementation
 * {@link com.escrowplatform.realtime.gateway.replay.InMemoryReplayWindow}, the
 * {@link com.escrowplatform.realtime.gateway.replay.ColdReplay} contract for what the window no longer holds
 * (implemented on Kafka in {@code gateway.kafka}), and the
 * {@link com.escrowplatform.realtime.gateway.replay.ReplayResult} that makes "cannot recover" an ordinary answer.
 * The contracts state the order, completeness and visibility guarantees the hub's seam relies on. It depends on
 * {@code gateway.event} only: it knows no hub, socket or Kafka client.
 */
package com.escrowplatform.realtime.gateway.replay;
