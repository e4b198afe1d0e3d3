package com.escrowplatform.realtime.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;


/**
 * Creates the topics this service uses when they are missing (config {@code escrow.topics.create-missing}):
 * both event topics and their dead-letter topics. Blocking: call it from a thread of your own.
 */
@ApplicationScoped
public class KafkaTopics {
    private static final Logger LOG = Logger.getLogger(KafkaTopics.class);

    private final KafkaClients clients;
    private final TopicsConfig topics;
    private volatile boolean ensured;

    public KafkaTopics(KafkaClients clients, TopicsConfig topics) {
        this.clients = clients;
        this.topics = topics;
    }

    public synchronized void ensure() throws InterruptedException, ExecutionException, TimeoutException {
        if (ensured || !topics.createMissing()) {
            ensured = true;
            return;
        }
        Set<String> existing = clients.admin().listTopics().names().get(10, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (String name : List.of(topics.escrowEvents(), topics.userNotifications())) {
            for (String topic : List.of(name, topics.deadLetterTopic(name))) {
                if (!existing.contains(topic)) {
                    missing.add(new NewTopic(topic, topics.partitions(), topics.replicationFactor()));
                }
            }
        }
        if (!missing.isEmpty()) {
            try {
                clients.admin().createTopics(missing).all().get(10, TimeUnit.SECONDS);
                LOG.infof("created topics %s", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            awaitDescribable(missing.stream().map(NewTopic::name).toList());
        }
        ensured = true;
    }

    /**
     * A topic just created is not yet known to every part of the broker: describing it at once can fail with
     * UnknownTopicOrPartitionException (seen on a loaded machine), which would fail the start. Wait for it.
     */
    private void awaitDescribable(List<String> created) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                clients.admin().describeTopics(created).allTopicNames().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                LOG.debugf("created topics %s not yet described by the broker; retrying", created);
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }
}
