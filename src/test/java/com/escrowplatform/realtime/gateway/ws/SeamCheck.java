package com.escrowplatform.realtime.gateway.ws;

import static com.escrowplatform.realtime.testsupport.RoomFrames.awaitWelcome;
import static com.escrowplatform.realtime.testsupport.RoomFrames.eventsThrough;
import static com.escrowplatform.realtime.testsupport.RoomFrames.ids;
import static com.escrowplatform.realtime.testsupport.RoomFrames.nextInRoom;
import static com.escrowplatform.realtime.testsupport.RoomFrames.release;
import static com.escrowplatform.realtime.testsupport.RoomFrames.subscribed;
import static com.escrowplatform.realtime.testsupport.RoomFrames.version;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versions;
import static com.escrowplatform.realtime.testsupport.RoomFrames.versionsBetween;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.escrowplatform.realtime.testsupport.EscrowScenario;
import com.escrowplatform.realtime.testsupport.RoomFrames;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.escrowplatform.realtime.testsupport.WsClient;
import com.fasterxml.jackson.databind.JsonNode;

/** The seam check shared by the hot and cold replay tests. */
final class SeamCheck {
    private SeamCheck() {
    }

    /**
     * Starts a writer releasing milestones {@code firstIndex} .. {@code firstIndex + writes - 1} over REST; once
     * two of them are committed, the buyer resubscribes with {@code lastSeen}'s id while the writer goes on: the
     * writer holds its remaining {@code writes - 2} releases until the resubscribe is about to be sent, so they
     * race it whatever the machine's speed.
     * Then: {@code recovered:true} with at least the {@code missed} events replayed, and the room's versions from
     * {@code lastSeen + 1} up to the writer's last, each exactly once and in order; the next release follows
     * directly.
     */
    static void assertSeamWhileWriting(URI base, EscrowScenario escrow, String room, JsonNode lastSeen, int firstIndex,
            int writes, int missed) throws Exception {
        assertThat(writes).as("releases left to race the resubscribe after the first two").isGreaterThan(2);
        ExecutorService writerThread = Executors.newSingleThreadExecutor(task -> new Thread(task, "test-writer"));
        try (WsClient back = WsClient.connect(base, TestTokens.forUser(escrow.buyer()))) {
            awaitWelcome(back);
            CountDownLatch underway = new CountDownLatch(2);
            CountDownLatch resubscribing = new CountDownLatch(1);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int i = firstIndex; i < firstIndex + writes; i++) {
                    if (i == firstIndex + 2) {
                        awaitQuietly(resubscribing);
                    }
                    release(escrow, i);
                    underway.countDown();
                }
            }, writerThread);
            assertThat(underway.await(30, TimeUnit.SECONDS)).as("the writer started").isTrue();
            resubscribing.countDown();

            JsonNode reply = subscribed(back, room, lastSeen.path("id").asText());
            assertThat(reply.path("recovered").asBoolean()).as("reply %s", reply).isTrue();
            assertThat(reply.path("replayed").asInt()).isGreaterThanOrEqualTo(missed);

            writer.get(60, TimeUnit.SECONDS);
            long last = RoomFrames.version(escrow);
            assertThat(last).isEqualTo(version(lastSeen) + missed + writes);
            List<JsonNode> received = eventsThrough(back, room, last);
            assertThat(versions(received)).containsExactlyElementsOf(versionsBetween(version(lastSeen) + 1, last));
            assertThat(ids(received)).doesNotHaveDuplicates();

            release(escrow, firstIndex + writes);
            assertThat(version(nextInRoom(back, room))).as("the frame after the writer's last").isEqualTo(last + 1);
        } finally {
            writerThread.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("the writer was stopped", e);
        }
    }
}
