package com.escrowplatform.realtime.gateway;

import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import com.escrowplatform.realtime.gateway.CloudEventShape.Checked;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Copies every record that breaks the contract's shape to {@code <topic>.dlq}, with the reason in the
 * {@code dead-letter-reason} header (the Kafka connector's dead-letter strategy does the copy on nack).
 *
 * <p>Why a consumer group here, unlike the live consumer: every instance reads every partition live, so if
 * the live consumers copied bad records, the DLQ would get one copy per instance. In the group
 * {@code escrow-realtime-dlq} each partition has one owner, with committed offsets, so each bad record is
 * copied once (at least once across a rebalance), and none is missed across restarts.
 */
@ApplicationScoped
public class DeadLetterRouter {
    private static final Logger LOG = Logger.getLogger(DeadLetterRouter.class);
    private final Counter malformed;

    public DeadLetterRouter(MeterRegistry registry) {
        this.malformed = Counter.builder("escrow.gateway.records.malformed")
                .description("Records that broke the CloudEvents shape and went to the dead-letter topic")
                .register(registry);
    }

    @Incoming("escrow-events-shape")
    public CompletionStage<Void> escrowEvents(KafkaRecord<String, byte[]> record) {
        return route(CloudEventShape.Stream.ESCROW_EVENTS, record);
    }

    @Incoming("user-notifications-shape")
    public CompletionStage<Void> userNotifications(KafkaRecord<String, byte[]> record) {
        return route(CloudEventShape.Stream.USER_NOTIFICATIONS, record);
    }

    private CompletionStage<Void> route(CloudEventShape.Stream stream, KafkaRecord<String, byte[]> record) {
        Checked checked = CloudEventShape.check(stream, record.getKey(), record.getHeaders(), record.getPayload());
        if (checked.isValid()) {
            return record.ack();
        }
        malformed.increment();
        long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
        LOG.warnf("malformed record %s-%d@%d: %s", record.getTopic(), record.getPartition(), offset, checked.problem());
        return record.nack(new MalformedRecordException(checked.problem()));
    }

    /** The nack's cause: its message becomes the dead-letter reason. */
    static final class MalformedRecordException extends RuntimeException {
        MalformedRecordException(String reason) {
            super(reason, null, false, false);
        }
    }
}
