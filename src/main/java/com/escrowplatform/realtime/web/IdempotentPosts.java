package com.escrowplatform.realtime.web;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.escrowplatform.realtime.security.Caller;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * {@code Idempotency-Key} on POST (CONTRACT 2): a repeat with the same key and body within 24 hours gets
 * the first response and changes nothing; the same key with another body is a 422.
 *
 * <p>The key row is written in the action's own transaction, so "done" and "remembered" commit together.
 * Two concurrent requests with one key queue on a transaction-scoped advisory lock of (user, key): the
 * second sees the first's committed row and replays it, instead of racing it.
 *
 * <p>A call whose client goes away runs to its end ({@link AbandonedCalls}): the retry that follows with the same
 * key waits on the lock for it, then replays what it stored.
 */
@ApplicationScoped
public class IdempotentPosts {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    static final Duration RETENTION = Duration.ofHours(24);
    /**
     * The (user, key) lock, as HQL: its plan is cached once. The same statement as a native query missed
     * Hibernate's plan cache on every call (a new cache entry per request, all in one hash bucket).
     */
    private static final String ADVISORY_LOCK =
            "select cast(function('pg_advisory_xact_lock', function('hashtextextended', ?1, 0)) as String)";

    private final ObjectMapper json;
    private final AbandonedCalls abandoned;

    public IdempotentPosts(ObjectMapper json, AbandonedCalls abandoned) {
        this.json = json;
        this.abandoned = abandoned;
    }

    /** What an action answers: its status, an optional Location and the body. */
    public record Reply(int status, URI location, Object body) {
        public static Reply ok(Object body) {
            return new Reply(200, null, body);
        }

        public static Reply created(URI location, Object body) {
            return new Reply(201, location, body);
        }
    }

    /**
     * Runs {@code action} once per (caller, key, request), in one transaction, to its end even when the client
     * goes away. {@code request} identifies the call: method, path and body ({@link #describe}); {@code key} may
     * be null (then the action simply runs).
     */
    public Uni<Response> run(Caller caller, String key, String request, Supplier<Uni<Reply>> action) {
        if (key != null && (key.isBlank() || key.length() > 255)) {
            throw ApiException.badRequest(HEADER, "must be 1 to 255 characters");
        }
        String call = request.substring(0, request.indexOf('\n'));
        return abandoned.runToTheEnd(Panache.withTransaction(() -> once(caller, key, request, action)), call);
    }

    private Uni<Response> once(Caller caller, String key, String request, Supplier<Uni<Reply>> action) {
        if (key == null) {
            return action.get().map(this::toResponse);
        }
        String requestHash = sha256(request);
        // any separator but NUL, which PostgreSQL text cannot hold; a collision would only queue two requests
        String lockKey = caller.userId() + "\u001f" + key;
        return Panache.getSession()
                .flatMap(session -> session.createSelectionQuery(ADVISORY_LOCK, String.class)
                        .setParameter(1, lockKey).getSingleResult())
                .flatMap(locked -> IdempotencyKey.<IdempotencyKey>findById(new IdempotencyKey.Id(caller.userId(), key)))
                .flatMap(previous -> {
                    if (previous != null && previous.createdAt.isAfter(Instant.now().minus(RETENTION))) {
                        if (!previous.requestHash.equals(requestHash)) {
                            throw new ApiException(Problem.of(422, "idempotency_key_reused", "Idempotency key reused",
                                    "This Idempotency-Key was used with a different request."));
                        }
                        return Uni.createFrom().item(replay(previous));
                    }
                    Uni<Void> forgetExpired = previous == null ? Uni.createFrom().voidItem()
                            : previous.delete().call(() -> Panache.getSession().flatMap(s -> s.flush()));
                    return forgetExpired.flatMap(x -> action.get()).flatMap(reply -> remember(caller, key, requestHash, reply));
                });
    }

    private Uni<Response> remember(Caller caller, String key, String requestHash, Reply reply) {
        IdempotencyKey row = new IdempotencyKey();
        row.userId = caller.userId();
        row.key = key;
        row.requestHash = requestHash;
        row.status = reply.status();
        row.location = reply.location() == null ? null : reply.location().toString();
        row.body = write(reply.body());
        row.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        return row.persist().replaceWith(() -> toResponse(reply));
    }

    private Response toResponse(Reply reply) {
        Response.ResponseBuilder response = Response.status(reply.status()).type(MediaType.APPLICATION_JSON)
                .entity(reply.body());
        if (reply.location() != null) {
            response.location(reply.location());
        }
        return response.build();
    }

    private static Response replay(IdempotencyKey previous) {
        Response.ResponseBuilder response = Response.status(previous.status).type(MediaType.APPLICATION_JSON)
                .entity(previous.body).header(REPLAYED_HEADER, "true");
        if (previous.location != null) {
            response.location(URI.create(previous.location));
        }
        return response.build();
    }

    /** The identity of a request, for the reuse check: method and path, then the body as JSON. */
    public String describe(String methodAndPath, Object body) {
        return methodAndPath + "\n" + (body == null ? "" : write(body));
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a response body", e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
