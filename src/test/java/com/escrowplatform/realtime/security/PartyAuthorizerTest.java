package com.escrowplatform.realtime.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.security.PartyAuthorizer.Decision;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CaffeineCache;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The party check behind every escrow subscribe: its answers, and the cache in front of the database. Rows are
 * written with SQL directly, so that no {@code party_joined} event drops a cached entry behind the test's back.
 */
@QuarkusTest
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class PartyAuthorizerTest {
    private static final Duration LOOKUP = Duration.ofSeconds(30);

    @Inject
    PartyAuthorizer authorizer;

    @Inject
    Pool database;

    @Inject
    @CacheName(PartyAuthorizer.PARTIES_CACHE)
    Cache partiesByEscrow;

    @Test
    void shouldLetPartiesAndSupportInAndKeepOthersOut() {
        UUID escrow = escrowWithParty("alice");

        assertThat(ask("alice", escrow)).isEqualTo(Decision.ALLOWED);
        assertThat(ask("mallory", escrow)).isEqualTo(Decision.FORBIDDEN);
        assertThat(authorizer.mayFollowEscrow(new Caller("support-agent", true), escrow).await().atMost(LOOKUP))
                .isEqualTo(Decision.ALLOWED);
    }

    @Test
    void shouldReuseTheCachedPartiesUntilTheEscrowIsForgotten() {
        UUID escrow = escrowWithParty("alice");
        assertThat(ask("alice", escrow)).isEqualTo(Decision.ALLOWED);

        addParty(escrow, "SELLER", "bob");

        assertThat(ask("bob", escrow)).as("answered from the cached party list").isEqualTo(Decision.FORBIDDEN);
        authorizer.forget(escrow);
        assertThat(ask("bob", escrow)).as("read again once forgotten").isEqualTo(Decision.ALLOWED);
    }

    @Test
    void shouldNotKeepTheAnswerForAnEscrowThatDoesNotExistYet() {
        UUID escrow = UUID.randomUUID();
        assertThat(ask("alice", escrow)).isEqualTo(Decision.NOT_FOUND);
        assertThat(authorizer.mayFollowEscrow(new Caller("support-agent", true), escrow).await().atMost(LOOKUP))
                .isEqualTo(Decision.NOT_FOUND);

        insertEscrow(escrow);
        addParty(escrow, "BUYER", "alice");

        assertThat(ask("alice", escrow)).as("followable as soon as it exists, without a forget").isEqualTo(Decision.ALLOWED);
    }

    // Lowers the bound of the running application's cache for the test, and puts the configured one back.
    @Test
    void shouldKeepNoMoreEscrowsThanItsBoundAndStillAnswerForEvicted() {
        CaffeineCache cache = partiesByEscrow.as(CaffeineCache.class);
        long configured = ConfigProvider.getConfig()
                .getValue("quarkus.cache.caffeine.\"escrow-parties\".maximum-size", Long.class);
        int bound = 3;
        List<UUID> escrows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            escrows.add(escrowWithParty("alice"));
        }
        cache.setMaximumSize(bound);
        try {
            for (UUID escrow : escrows) {
                assertThat(ask("alice", escrow)).isEqualTo(Decision.ALLOWED);
            }

            // Caffeine evicts in the background: the size settles at the bound, not at zero
            Awaitility.await("the cache shrinks to its bound").atMost(Duration.ofSeconds(30))
                    .until(() -> cache.keySet().size() <= bound);
            assertThat(cache.keySet()).isNotEmpty();
            for (UUID escrow : escrows) {
                assertThat(ask("alice", escrow)).as("an evicted escrow is read again").isEqualTo(Decision.ALLOWED);
            }
        } finally {
            cache.setMaximumSize(configured);
        }
    }

    private Decision ask(String userId, UUID escrow) {
        return authorizer.mayFollowEscrow(new Caller(userId, false), escrow).await().atMost(LOOKUP);
    }

    private UUID escrowWithParty(String buyer) {
        UUID escrow = UUID.randomUUID();
        insertEscrow(escrow);
        addParty(escrow, "BUYER", buyer);
        return escrow;
    }

    private void insertEscrow(UUID escrow) {
        database.preparedQuery("insert into escrow (id, title, status, version, currency, amount, created_at, updated_at)"
                + " values ($1, 'party check', 'PENDING', 1, 'EUR', 10, now(), now())")
                .execute(Tuple.of(escrow)).await().atMost(LOOKUP);
    }

    private void addParty(UUID escrow, String role, String userId) {
        database.preparedQuery("insert into escrow_party (escrow_id, role, user_id, joined) values ($1, $2, $3, true)")
                .execute(Tuple.of(escrow, role, userId)).await().atMost(LOOKUP);
    }
}
