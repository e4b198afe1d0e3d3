package com.escrowplatform.realtime.security;

import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Who may follow an escrow live: its parties (buyer, seller, arbiter, invited or joined) and {@code support}
 * (CONTRACT 5). The party list of an escrow is cached for a short time, since every subscribe asks; a
 * {@code party_joined} event drops the entry at once ({@link #forget}). The cache is the Caffeine cache
 * {@value #PARTIES_CACHE}: its size bound and time to live are {@code quarkus.cache.caffeine."escrow-parties".*}
 * settings; past the bound Caffeine evicts the entries least likely to be asked for again.
 *
 * <p>Non-blocking: the lookup runs on the reactive PostgreSQL client, so it may be called on an event loop; a
 * cached answer is emitted on the caller's thread. Concurrent lookups of one escrow share one query.
 */
@ApplicationScoped
public class PartyAuthorizer {
    static final String PARTIES_CACHE = "escrow-parties";

    private static final Logger LOG = Logger.getLogger(PartyAuthorizer.class);

    public enum Decision { ALLOWED, FORBIDDEN, NOT_FOUND }

    private final Pool database;
    private final Cache partiesByEscrow;

    public PartyAuthorizer(Pool database, @CacheName(PARTIES_CACHE) Cache partiesByEscrow) {
        this.database = database;
        this.partiesByEscrow = partiesByEscrow;
    }

    public Uni<Decision> mayFollowEscrow(Caller caller, UUID escrowId) {
        return partiesByEscrow.getAsync(escrowId, this::loadParties)
                // no parties: no such escrow yet. Not kept, so the escrow can be followed as soon as it exists.
                .call(userIds -> userIds.isEmpty() ? partiesByEscrow.invalidate(escrowId) : Uni.createFrom().voidItem())
                .map(userIds -> userIds.isEmpty() ? Decision.NOT_FOUND : decide(caller, userIds));
    }

    /** Drops what is cached of an escrow's parties (a party joined). Any thread; does not block. */
    public void forget(UUID escrowId) {
        // the Uni runs the invalidation on subscription, on this thread
        partiesByEscrow.invalidate(escrowId).subscribe().with(
                done -> { },
                failure -> LOG.warnf(failure, "could not drop the cached parties of escrow %s", escrowId));
    }

    private Uni<Set<String>> loadParties(UUID escrowId) {
        return database.preparedQuery("select user_id from escrow_party where escrow_id = $1")
                .execute(Tuple.of(escrowId))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map((Row row) -> row.getString(0)).collect(Collectors.toUnmodifiableSet()));
    }

    private static Decision decide(Caller caller, Set<String> parties) {
        return caller.support() || parties.contains(caller.userId()) ? Decision.ALLOWED : Decision.FORBIDDEN;
    }
}
