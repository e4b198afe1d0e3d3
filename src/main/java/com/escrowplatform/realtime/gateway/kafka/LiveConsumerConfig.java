package com.escrowplatform.realtime.gateway.kafka;

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
     * After a poll that returned records, the live consumer waits this long before the next: a busy stream is then
     * fetched in batches instead of record by record, for at most this much added latency; an idle one pays nothing.
     */
    @WithDefault("2ms")
    Duration fetchLinger();

    /** How often the topics' partition counts are checked, so that partitions added at run time are consumed. */
    @WithDefault("30s")
    Duration metadataInterval();
}
