package com.escrowplatform.realtime.security;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the token verification key is proven loaded ({@link VerificationKeyCheck}). */
@ConfigMapping(prefix = "escrow.jwt-key-check")
public interface KeyCheckConfig {

    /** First delay before trying again to load a key that could not be loaded; doubles on each failure. */
    @WithDefault("1s")
    Duration retryMin();

    /** Longest delay between two attempts to load the key. */
    @WithDefault("30s")
    Duration retryMax();

    /** How often a loaded key is proven to still resolve. */
    @WithDefault("60s")
    Duration interval();
}
