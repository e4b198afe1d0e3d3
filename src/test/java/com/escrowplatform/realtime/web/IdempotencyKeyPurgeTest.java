package com.escrowplatform.realtime.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.Api;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The scheduled purge of idempotency keys (every second under %test): past 24 hours they go, younger ones stay. */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class IdempotencyKeyPurgeTest {

    @Test
    void shouldForgetKeysPastTheirRetentionAndKeepYoungerOnes() throws Exception {
        String user = Api.uniqueUser("buyer");
        insertKey(user, "expired", "25 hours");
        insertKey(user, "young", "23 hours");

        Awaitility.await("the purge deletes the expired key").atMost(Duration.ofSeconds(30))
                .until(() -> !keyExists(user, "expired"));

        // the round that removed the expired key saw the young one too
        assertThat(keyExists(user, "young")).isTrue();
    }

    private static void insertKey(String user, String key, String age) throws Exception {
        try (Connection db = TestInfrastructure.database().connect(); PreparedStatement insert = db.prepareStatement(
                "insert into idempotency_key (user_id, key, request_hash, status, body, created_at)"
                        + " values (?, ?, repeat('0', 64), 200, '{}', now() - ?::interval)")) {
            insert.setString(1, user);
            insert.setString(2, key);
            insert.setString(3, age);
            insert.executeUpdate();
        }
    }

    private static boolean keyExists(String user, String key) throws Exception {
        try (Connection db = TestInfrastructure.database().connect(); PreparedStatement select = db.prepareStatement(
                "select 1 from idempotency_key where user_id = ? and key = ?")) {
            select.setString(1, user);
            select.setString(2, key);
            try (ResultSet result = select.executeQuery()) {
                return result.next();
            }
        }
    }
}
