package com.escrowplatform.realtime.outbox;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "escrow.outbox")
public interface OutboxConfig {
    /** Run the relay on this instance (one instance is active at a time anyway, by advisory lock). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Rows sent to Kafka per round at most. A round waits for its acknowledgements and marks its rows in one
     * statement, so larger rounds drain a backlog faster (after a broker outage, say); a quiet outbox sends rows
     * as they commit whatever this is.
     */
    @WithDefault("2000")
    int batchSize();

    /**
     * How long the relay waits for a NOTIFY before looking anyway; also how often a standby tries to lead and
     * how often the backlog gauge is measured.
     */
    @WithDefault("1s")
    Duration pollInterval();

    /** The longest wait between retries while Kafka or the database fails. */
    @WithDefault("5s")
    Duration maxBackoff();

    /** The CloudEvents {@code ce_source} of the records this service publishes. */
    @WithDefault("/escrow-realtime")
    String ceSource();
}
