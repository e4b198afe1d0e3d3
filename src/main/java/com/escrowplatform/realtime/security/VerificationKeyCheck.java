package com.escrowplatform.realtime.security;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.lang.UnresolvableKeyException;

import io.quarkus.runtime.StartupEvent;

/**
 * Proves that a token can be verified: that the token parser holds the configured key(s).
 *
 * <p>How: {@link ReloadableJwtParser#reload} reads the key ({@link VerificationKeys}: its key ids, which of the
 * configured algorithms each key can verify, or what is wrong with it); then this parses, through that parser,
 * one probe token per key and algorithm it can verify: the right {@code kid} (none for a PEM key) and
 * {@code alg}, a signature of zeros. A resolver holding the key answers "signature invalid"; one without it
 * answers "unresolvable key". Only the first proves the key loaded; anything else keeps the instance not
 * ready, as does a key that can verify none of the configured algorithms.
 *
 * <p>When: at start-up and, until it succeeds, again with a growing delay, dropping SmallRye's cached resolver
 * before each attempt (see {@link ReloadableJwtParser} for why it must be dropped); once it succeeds, every
 * {@code interval}, and at once (at most once a second) when a live token is refused for want of its key.
 *
 * <p>Threads: checks run on its own thread ("token-key-check"), which may block on the key's location;
 * {@link #status} and {@link #tokenRefusedForKey} are called from any thread and never block.
 */
@ApplicationScoped
public class VerificationKeyCheck {
    private static final Logger LOG = Logger.getLogger(VerificationKeyCheck.class);
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /** What readiness reports: ready, with the key ids proven, or not, with the reason. */
    public record Status(boolean ready, String detail, Instant since) {
    }

    private final KeyCheckConfig config;
    private final AtomicLong lastTriggeredCheck = new AtomicLong();
    private final AtomicLong refusedSinceWarn = new AtomicLong();
    private final AtomicLong lastRefusalWarn = new AtomicLong();
    private volatile Status status = new Status(false, "verification key not loaded yet", Instant.now());
    private volatile List<Probe> probes = List.of();
    private Duration nextRetry;
    private ScheduledExecutorService executor;
    /** The one next check; a trigger replaces it with an earlier one. Guarded by this. */
    private ScheduledFuture<?> pending;

    @Inject
    ReloadableJwtParser parser;

    public VerificationKeyCheck(KeyCheckConfig config) {
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "token-key-check");
            thread.setDaemon(true);
            return thread;
        });
        nextRetry = config.retryMin();
        schedule(Duration.ZERO);
    }

    @PreDestroy
    void stop() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    public Status status() {
        return status;
    }

    /**
     * A live token was refused because its key could not be resolved. That is a bad token (an unknown
     * {@code kid}) or a lost key; a check tells which, and readiness follows. Any thread.
     */
    void tokenRefusedForKey(Exception cause) {
        if (!status.ready()) {
            refusedSinceWarn.incrementAndGet();
            long now = System.nanoTime();
            long last = lastRefusalWarn.get();
            if (now - last > TimeUnit.SECONDS.toNanos(10) && lastRefusalWarn.compareAndSet(last, now)) {
                LOG.warnf("%d token(s) refused: the verification key is not loaded (%s)",
                        refusedSinceWarn.getAndSet(0), status.detail());
            }
            return; // the retry loop is already at work
        }
        long now = System.nanoTime();
        long last = lastTriggeredCheck.get();
        if (now - last > TimeUnit.SECONDS.toNanos(1) && lastTriggeredCheck.compareAndSet(last, now)) {
            schedule(Duration.ZERO);
        }
    }

    /** True when SmallRye refused a token because no key could be resolved for it, not for the token's content. */
    static boolean isKeyFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvableKeyException) {
                return true;
            }
        }
        return false;
    }

    /** Replaces the next check by one after {@code delay}: one chain of checks, whoever asks. Any thread. */
    private synchronized void schedule(Duration delay) {
        if (executor == null || executor.isShutdown()) {
            return;
        }
        if (pending != null) {
            pending.cancel(false); // never interrupts a check that is running: it is this one, or it ends soon
        }
        pending = executor.schedule(this::check, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One check; schedules the next. Check thread only. */
    private void check() {
        boolean wasReady = status.ready();
        String failure = wasReady ? probeAll(probes) : null;
        if (wasReady && failure == null) {
            schedule(config.interval());
            return;
        }
        if (wasReady) {
            LOG.warnf("token verification broke: %s; reloading the verification key", failure);
        }
        // Not ready, or just broken: read the key again, drop SmallRye's cached resolver, prove it anew.
        try {
            List<Probe> fresh = parser.reload().keys().usable().stream().map(VerificationKeyCheck::probe).toList();
            failure = probeAll(fresh);
            if (failure == null) {
                probes = fresh;
                status = new Status(true, "keys " + fresh.stream().map(Probe::describe).toList(), Instant.now());
                nextRetry = config.retryMin();
                LOG.infof("token verification key loaded from %s: %s", VerificationKeys.configuredLocation(),
                        status.detail());
                schedule(config.interval());
                return;
            }
        } catch (KeyUnavailable e) {
            failure = e.getMessage();
        } catch (RuntimeException e) {
            failure = e.toString();
        }
        boolean newCause = status.ready() || !failure.equals(status.detail());
        status = new Status(false, failure, newCause ? Instant.now() : status.since());
        if (newCause) {
            LOG.warnf("tokens cannot be verified, readiness DOWN: %s; retrying in %s", failure, nextRetry);
        } else {
            LOG.debugf("tokens still cannot be verified: %s; retrying in %s", failure, nextRetry);
        }
        Duration delay = nextRetry;
        nextRetry = min(nextRetry.multipliedBy(2), config.retryMax());
        schedule(delay);
    }

    /** @return null when every probe's key resolved, else what failed */
    private String probeAll(List<Probe> toProbe) {
        if (toProbe.isEmpty()) {
            return "no key to verify with";
        }
        for (Probe probe : toProbe) {
            try {
                parser.probe(probe.token());
                // a zero signature cannot verify; accepted means verification is not done at all
                return "a token with a forged signature was accepted for " + probe.describe();
            } catch (Exception e) {
                if (!signatureChecked(e)) {
                    return "key " + probe.describe() + " from " + VerificationKeys.configuredLocation()
                            + " does not resolve: " + rootMessage(e);
                }
            }
        }
        return null;
    }

    /** The resolver found the key and checked the (deliberately wrong) signature with it. */
    private static boolean signatureChecked(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidJwtException invalid && invalid.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
                return true;
            }
        }
        return false;
    }

    /** A token with the key's {@code kid} (none for a PEM key) and {@code alg}, and a signature of zeros. */
    private static Probe probe(VerificationKeys.Usable key) {
        String kid = key.kid();
        String algorithm = key.algorithm().getAlgorithm();
        StringBuilder header = new StringBuilder("{\"alg\":\"").append(algorithm).append("\",\"typ\":\"JWT\"");
        if (kid != null) {
            header.append(",\"kid\":\"").append(kid.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        header.append('}');
        long now = Instant.now().getEpochSecond();
        // the signature is checked before any claim, so these only need to look like a token's
        String claims = "{\"sub\":\"key-check\",\"iat\":" + now + ",\"exp\":" + (now + 86_400 * 365) + "}";
        byte[] zeros = new byte[signatureLength(key)];
        String token = B64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8)) + "."
                + B64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + B64.encodeToString(zeros);
        return new Probe(key.describe(), token);
    }

    /** The length of a signature by this key: RSA, its modulus; ECDSA (JWS), twice its curve's field. */
    private static int signatureLength(VerificationKeys.Usable key) {
        if (key.key() instanceof RSAPublicKey rsa) {
            return (rsa.getModulus().bitLength() + 7) / 8;
        }
        if (key.key() instanceof ECPublicKey ec) {
            return 2 * ((ec.getParams().getCurve().getField().getFieldSize() + 7) / 8);
        }
        return 256;
    }

    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return failure == root ? String.valueOf(failure.getMessage()) : failure.getMessage() + " (" + root + ")";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** @param describe {@code kid/alg}, for readiness and messages */
    private record Probe(String describe, String token) {
    }
}
