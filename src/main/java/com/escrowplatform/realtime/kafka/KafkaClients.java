package com.escrowplatform.realtime.kafka;

import java.util.HashMap;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import io.smallrye.common.annotation.Identifier;

/**
 * Kafka client settings built from the application's {@code kafka.*} configuration (the same keys the
 * Quarkus Kafka extension reads), plus one shared admin client.
 */
@ApplicationScoped
public class KafkaClients {
    private final Map<String, Object> base;
    private volatile Admin admin;

    public KafkaClients(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        this.base = Map.copyOf(kafkaConfig);
    }

    public String bootstrapServers() {
        return String.valueOf(base.get("bootstrap.servers"));
    }

    /**
     * An idempotent, fully acknowledged producer: per partition, records land once and in send order even
     * when the producer retries (CONTRACT 4's ordering promise rests on this).
     */
    public Map<String, Object> reliableProducer(String clientId) {
        Map<String, Object> config = common(clientId);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // fail a send within seconds while the broker is away, so the caller's retry loop stays in charge
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        return config;
    }

    /** A consumer with no group: partitions are assigned by hand and no offset is ever committed. */
    public Map<String, Object> groupLessConsumer(String clientId) {
        Map<String, Object> config = common(clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    /** A member of consumer group {@code groupId}: offsets committed by hand, from the beginning when it has none. */
    public Map<String, Object> groupConsumer(String clientId, String groupId) {
        Map<String, Object> config = common(clientId);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    public Admin admin() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                if (admin == null) {
                    Map<String, Object> config = common("escrow-realtime-admin");
                    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
                    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
                    admin = Admin.create(config);
                }
                current = admin;
            }
        }
        return current;
    }

    private Map<String, Object> common(String clientId) {
        Map<String, Object> config = new HashMap<>();
        base.forEach((key, value) -> {
            // only client settings; the extension's own keys (health, devservices…) are not Kafka's
            if (!key.startsWith("health") && !key.startsWith("devservices") && !key.startsWith("snappy")) {
                config.put(key, value);
            }
        });
        config.put("client.id", clientId);
        return config;
    }

    @PreDestroy
    void close() {
        Admin current = admin;
        if (current != null) {
            current.close(java.time.Duration.ofSeconds(2));
        }
    }
}
