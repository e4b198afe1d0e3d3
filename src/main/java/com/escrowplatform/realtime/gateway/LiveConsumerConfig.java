package com.escrowplatform.realtime.gateway;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the live consumer ({@link KafkaLiveConsumer}) restarts itself and notices new partitions. */
@ConfigMapping(prefix = "escrow.gateway.live-consumer")
public interface LiveConsumerConfig {

    /** First wait before the live consumer restarts after a failure; doubles while it keeps failing. */
    @WithDefault("1s")
    Duration restartBackoffMin();

    /** Longest wait between two restarts of the live consumer. */
    @WithDefault("30s")
    Duration restartBackoffMax();

    /**
     * Longest time the broker holds a fetch to gather more records (it answers at once when 64 KiB are there):
     * up to this much added latency, for far fewer fetches than one per record at busy times.
     */
    @WithDefault("2ms")
    Duration fetchMaxWait();

    /** How often the topics' partition counts are checked, so that partitions added at run time are consumed. */
    @WithDefault("30s")
    Duration metadataInterval();
}
