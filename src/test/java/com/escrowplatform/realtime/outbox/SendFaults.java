package com.escrowplatform.realtime.outbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;

import com.escrowplatform.realtime.outbox.PgOutboxRelay.RecordSender;
import com.escrowplatform.realtime.testsupport.Json;

/**
 * Fails chosen sends of one key the way the producer fails a send by itself (it found no metadata within
 * {@code max.block.ms}): the callback hears of it and the returned future has already failed, and the record
 * never reaches the broker. Every other send goes to the real producer. Records every attempt of the key.
 */
final class SendFaults implements UnaryOperator<RecordSender> {
    record Attempt(long version, boolean failed) {
    }

    private enum Mode { PASS, FAIL_EVERY, FAIL_NEXT }

    private final String key;
    private final List<Attempt> attempts = new ArrayList<>();
    private Mode mode = Mode.PASS;

    SendFaults(String key) {
        this.key = key;
    }

    synchronized void failEverySend() {
        mode = Mode.FAIL_EVERY;
    }

    /** Fails the key's next send, then lets every one through. */
    synchronized void failNextSendOnly() {
        mode = Mode.FAIL_NEXT;
    }

    synchronized List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    @Override
    public RecordSender apply(RecordSender producer) {
        return (record, callback) -> {
            if (!key.equals(record.key()) || !failThis(Json.parse(record.value()).path("version").asLong())) {
                return producer.send(record, callback);
            }
            TimeoutException failure = new TimeoutException("Topic " + record.topic() + " not present in metadata after 5000 ms.");
            callback.onCompletion(null, failure);
            return CompletableFuture.<RecordMetadata>failedFuture(failure);
        };
    }

    private synchronized boolean failThis(long version) {
        boolean fail = mode != Mode.PASS;
        if (mode == Mode.FAIL_NEXT) {
            mode = Mode.PASS;
        }
        attempts.add(new Attempt(version, fail));
        return fail;
    }
}
