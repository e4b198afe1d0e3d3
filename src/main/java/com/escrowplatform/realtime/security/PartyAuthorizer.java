package com.escrowplatform.realtime.security;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;

import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Who may follow an escrow live: its parties (buyer, seller, arbiter, invited or joined) and {@code support}
 * (CONTRACT 5). The party list of an escrow is cached for a short time, since every subscribe asks; a
 * {@code party_joined} event drops the entry at once ({@link #forget}).
 *
 * <p>Non-blocking: the lookup runs on the reactive PostgreSQL client, so it may be called on an event loop.
 * The cache is a concurrent map; a race between two lookups of one escrow stores the same answer twice.
 */
@ApplicationScoped
public class PartyAuthorizer {
    /** Bound on cached escrows; past it the cache starts over rather than grow. */
    static final int MAX_ENTRIES = 100_000;

    public enum Decision { ALLOWED, FORBIDDEN, NOT_FOUND }

    private record Parties(Set<String> userIds, long expiresAtNanos) {
    }

    private final Pool database;
    private final Duration ttl;
    private final ConcurrentHashMap<UUID, Parties> cache = new ConcurrentHashMap<>();

    public PartyAuthorizer(Pool database, GatewayConfig config) {
        this.database = database;
        this.ttl = config.partyCacheTtl();
    }

    public Uni<Decision> mayFollowEscrow(Caller caller, UUID escrowId) {
        Parties cached = cache.get(escrowId);
        if (cached != null && cached.expiresAtNanos - System.nanoTime() > 0) {
            return Uni.createFrom().item(decide(caller, cached.userIds));
        }
        return database.preparedQuery("select user_id from escrow_party where escrow_id = $1")
                .execute(Tuple.of(escrowId))
                .map(rows -> {
                    Set<String> userIds = StreamSupport.stream(rows.spliterator(), false)
                            .map((Row row) -> row.getString(0)).collect(Collectors.toUnmodifiableSet());
                    if (!userIds.isEmpty()) {
                        remember(escrowId, userIds);
                    }
                    return userIds.isEmpty() ? Decision.NOT_FOUND
                            : decide(caller, userIds);
                });
    }

    /** Drops what is cached of an escrow's parties (a party joined). Any thread. */
    public void forget(UUID escrowId) {
        cache.remove(escrowId);
    }

    private static Decision decide(Caller caller, Set<String> parties) {
        return caller.support() || parties.contains(caller.userId()) ? Decision.ALLOWED : Decision.FORBIDDEN;
    }

    private void remember(UUID escrowId, Set<String> userIds) {
        if (cache.size() >= MAX_ENTRIES) {
            cache.clear();
        }
        cache.put(escrowId, new Parties(userIds, System.nanoTime() + ttl.toNanos()));
    }
}
