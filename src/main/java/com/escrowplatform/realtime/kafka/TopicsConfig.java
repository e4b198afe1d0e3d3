package com.escrowplatform.realtime.kafka;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The Kafka topics (CONTRACT 4). */
@ConfigMapping(prefix = "escrow.topics")
public interface TopicsConfig {
    /** Escrow events, keyed by escrow id. */
    @WithDefault("escrow.events")
    String escrowEvents();

    /** Notifications, keyed by recipient user id. */
    @WithDefault("user.notifications")
    String userNotifications();

    /** Partitions of each topic when this service creates it. */
    @WithDefault("6")
    int partitions();

    /** Replication factor of each topic when this service creates it. */
    @WithDefault("1")
    short replicationFactor();

    /** Create missing topics (and their {@code .dlq}) at start-up; off where operators own the topics. */
    @WithDefault("true")
    boolean createMissing();

    default String deadLetterTopic(String topic) {
        return topic + ".dlq";
    }
}
