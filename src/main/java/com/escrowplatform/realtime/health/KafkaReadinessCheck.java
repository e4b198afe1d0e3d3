package com.escrowplatform.realtime.health;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import com.escrowplatform.realtime.kafka.KafkaClients;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/** Ready only while the Kafka cluster answers (the database check comes with the reactive client). */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements AsyncHealthCheck {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);
    private final KafkaClients kafka;

    public KafkaReadinessCheck(KafkaClients kafka) {
        this.kafka = kafka;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().completionStage(() -> kafka.admin().describeCluster().clusterId().toCompletionStage())
                .ifNoItem().after(TIMEOUT).fail()
                .map(clusterId -> HealthCheckResponse.named("kafka").up().withData("cluster", clusterId).build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("kafka").down()
                        .withData("error", String.valueOf(e.getMessage())).build());
    }
}
