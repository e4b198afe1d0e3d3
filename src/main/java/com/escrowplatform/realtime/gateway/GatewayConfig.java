package com.escrowplatform.realtime.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The real-time gateway's settings; every one has a documented default (docs/configuration.md). */
@ConfigMapping(prefix = "escrow.gateway")
public interface GatewayConfig {

    /** Subscriptions one connection may hold (its own user room included). */
    @WithDefault("100")
    int maxSubscriptionsPerConnection();

    /** Open connections per user on one instance; one more is closed with 1008. */
    @WithDefault("20")
    int maxConnectionsPerUser();

    /** Sustained subscribe requests per second per connection. */
    @WithDefault("20")
    double subscribesPerSecond();

    /** Subscribe requests a connection may make in a burst. */
    @WithDefault("40")
    int subscribeBurst();

    /** Bytes queued for one connection and not yet written; above it the connection is closed with 4008. */
    @WithDefault("1048576")
    long maxOutboundBytes();

    /**
     * The kernel's send buffer of each WebSocket ({@code SO_SNDBUF}), fixed at the upgrade. Left to itself, Linux
     * grows it up to {@code net.ipv4.tcp_wmem}'s maximum (4 MiB by default) for a client that stopped reading, on
     * top of {@link #maxOutboundBytes()}: a thousand such clients then fill the host's TCP memory, and every socket
     * on it stalls. Fixed, a slow client holds at most {@code max-outbound-bytes} in the process and about twice
     * this in the kernel.
     */
    @WithDefault("65536")
    int socketSendBufferBytes();

    /** The largest client frame; a bigger one closes the connection with 1009. */
    @WithDefault("65536")
    int maxFrameBytes();

    /** Allowed values of the Origin header on upgrade; empty allows any (native apps send none). */
    Optional<List<String>> allowedOrigins();

    /** Accept the token as {@code ?access_token=} on upgrade (it may then appear in access logs). */
    @WithDefault("false")
    boolean queryTokenEnabled();

    /** A native connection that sent nothing for this long gets a ping. */
    @WithDefault("25s")
    Duration pingInterval();

    /** A connection that sent nothing (not even a pong) for this long is closed as dead. */
    @WithDefault("60s")
    Duration deadPeerTimeout();

    /** Replay: most missed events a subscribe may replay; more gives recovered:false. */
    @WithDefault("1000")
    int maxReplayEvents();

    /** Replay window: recent events kept per partition. */
    @WithDefault("10000")
    int windowEventsPerPartition();

    /** Replay window: bytes of recent events kept per partition. */
    @WithDefault("16777216")
    long windowBytesPerPartition();

    /** Cold replay: Kafka readers shared by all replays of this instance. */
    @WithDefault("2")
    int coldReaders();

    /** Cold replay: the most records one replay may scan in its partition before giving up (recovered:false). */
    @WithDefault("200000")
    int coldScanLimit();

    /** Cold replay: replays waiting for or being read by the cold readers; one more gets recovered:false at once. */
    @WithDefault("256")
    int coldMaxPending();

    /** Cold replay: longest time from a subscribe to its reply, waiting for a reader included; then recovered:false. */
    @WithDefault("10s")
    Duration coldReadDeadline();

    /** Live events held back per subscription while its replay runs; more gives recovered:false. */
    @WithDefault("1000")
    int maxHeldBackEvents();

    /** Recent ce_ids remembered per partition, to drop a record the outbox relay sent twice. */
    @WithDefault("4096")
    int dedupeIdsPerPartition();
}
