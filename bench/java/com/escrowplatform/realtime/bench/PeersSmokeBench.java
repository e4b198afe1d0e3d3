package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Keeps the comparison peers of {@code bench/peers/} (Socket.IO on Node, bare Vert.x) from rotting: runs their
 * own end-to-end check, {@code bench/peers/check-peers}, at its smoke size (a few sockets, a few records, its own
 * Kafka broker), and asserts only that every check passed. Speed is the load generator's business, not this.
 */
class PeersSmokeBench {

    @Test
    void shouldDeliverEachRoomsRecordsThroughBothPeers() throws Exception {
        Path log = Path.of("target", "bench-peers-check.log").toAbsolutePath();
        Process check = new ProcessBuilder("bench/peers/check-peers").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            assertThat(check.waitFor(5, TimeUnit.MINUTES)).as("check-peers ended; see " + log).isTrue();
        } finally {
            check.descendants().forEach(ProcessHandle::destroy);
            check.destroy();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(output).as(log.toString()).contains("2 passed, 0 failed");
        assertThat(check.exitValue()).as(log.toString()).isZero();
    }
}
