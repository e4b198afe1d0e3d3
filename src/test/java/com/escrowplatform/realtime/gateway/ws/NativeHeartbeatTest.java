package com.escrowplatform.realtime.gateway.ws;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The heartbeat's one tick for all sockets: late by at most a fifth of a ping interval, never busier than needed. */
class NativeHeartbeatTest {

    @Test
    void shouldTickEveryFiveSecondsWithTheDefaults() {
        assertThat(NativeHeartbeat.tickMillis(Duration.ofSeconds(25), Duration.ofSeconds(60))).isEqualTo(5000);
    }

    @Test
    void shouldFollowTheShorterOfAFifthOfThePingIntervalAndAQuarterOfTheTimeout() {
        assertThat(NativeHeartbeat.tickMillis(Duration.ofSeconds(1), Duration.ofSeconds(2))).isEqualTo(200);
        assertThat(NativeHeartbeat.tickMillis(Duration.ofSeconds(10), Duration.ofSeconds(4))).isEqualTo(1000);
    }

    @Test
    void shouldNeitherSpinNorSleepForMinutes() {
        assertThat(NativeHeartbeat.tickMillis(Duration.ofMillis(10), Duration.ofMillis(10))).isEqualTo(100);
        assertThat(NativeHeartbeat.tickMillis(Duration.ofMinutes(10), Duration.ofMinutes(30))).isEqualTo(5000);
    }
}
