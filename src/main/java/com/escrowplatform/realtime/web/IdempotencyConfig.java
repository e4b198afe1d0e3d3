package com.escrowplatform.realtime.web;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "escrow.idempotency")
public interface IdempotencyConfig {
    /** Delete expired idempotency keys from this instance (see {@link IdempotencyKeyPurge}). */
    @WithDefault("true")
    boolean purgeEnabled();

    /** How often expired keys are deleted; the first round runs at start-up. */
    @WithDefault("1h")
    Duration purgeInterval();
}
