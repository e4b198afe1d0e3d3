package com.escrowplatform.realtime.faults;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what clients received against the source of truth, each escrow's event log over REST, and names every
 * anomaly the way Jepsen's Kafka checker does. A client's view of one escrow room is a list of observations in
 * arrival order: a {@link Baseline} when it (re)loaded the escrow over REST (after its first subscription, and after
 * every {@code recovered:false}) and a {@link Delivered} per event frame. Following CONTRACT §6, an event at or below
 * the latest baseline is stale and the application ignores it; every event above the first baseline must be
 * applied once, in version order, unless a later baseline covers it.
 */
public final class DeliveryChecker {
    /** The anomalies, as Jepsen names them. */
    public enum Kind {
        /** Committed after the subscription, never delivered and not covered by a later baseline. */
        LOST,
        /** The same event (id or version) applied twice. */
        DUPLICATE,
        /** A version below one already applied. */
        NONMONOTONIC,
        /** A version gap between two applied events that no baseline covers. */
        SKIP,
        /** The escrow's last version never arrived at a client that stayed subscribed to the end. */
        UNSEEN,
        /** The same effect (a milestone released, say) twice in one escrow's log: a retried POST applied twice. */
        APPLIED_TWICE
    }

    public sealed interface Observation permits Baseline, Delivered {
    }

    /** The client loaded the escrow over REST at this version: everything up to it is known to it. */
    public record Baseline(long version) implements Observation {
    }

    /** An event frame of the room. */
    public record Delivered(String eventId, long version) implements Observation {
    }

    /** One client's view of one escrow room. */
    public record View(String client, String escrowId, List<Observation> observations, boolean subscribedToTheEnd) {
    }

    public record Anomaly(Kind kind, String client, String escrowId, String detail) {
        @Override
        public String toString() {
            return kind + " " + escrowId + (client == null ? "" : " at " + client) + ": " + detail;
        }
    }

    public record Report(int views, long requiredDeliveries, long applied, List<Anomaly> anomalies) {
        public Map<Kind, Integer> counts() {
            Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
            for (Kind kind : Kind.values()) {
                counts.put(kind, 0);
            }
            anomalies.forEach(anomaly -> counts.merge(anomaly.kind(), 1, Integer::sum));
            return counts;
        }

        public boolean clean() {
            return anomalies.isEmpty();
        }

        public String summary() {
            return String.format("%d views, %d required deliveries, %d applied; anomalies %s%s", views, requiredDeliveries,
                    applied, counts(), anomalies.isEmpty() ? "" : "; first: " + anomalies.subList(0, Math.min(10, anomalies.size())));
        }
    }

    /**
     * @param logs    each escrow's committed versions, from its REST event log (1..n, in order)
     * @param effects each escrow's effect keys, one per event that should happen at most once (may be empty)
     * @param views   every client view
     */
    public static Report check(Map<String, List<Long>> logs, Map<String, List<String>> effects, List<View> views) {
        List<Anomaly> anomalies = new ArrayList<>();
        effects.forEach((escrowId, keys) -> {
            Set<String> seen = new HashSet<>();
            keys.stream().filter(key -> !seen.add(key)).forEach(key ->
                    anomalies.add(new Anomaly(Kind.APPLIED_TWICE, null, escrowId, key)));
        });
        long required = 0;
        long applied = 0;
        for (View view : views) {
            List<Long> log = logs.get(view.escrowId());
            if (log == null) {
                throw new IllegalArgumentException("no event log of escrow " + view.escrowId());
            }
            ViewCheck check = new ViewCheck(view, anomalies);
            view.observations().forEach(check::observe);
            required += check.finish(log);
            applied += check.applied.size();
        }
        return new Report(views.size(), required, applied, anomalies);
    }

    /** Walks one view in arrival order. */
    private static final class ViewCheck {
        private final View view;
        private final List<Anomaly> anomalies;
        private final Set<String> ids = new HashSet<>();
        private final Set<Long> applied = new HashSet<>();
        private Long firstBaseline;
        private long known = Long.MIN_VALUE;
        private final List<Long> baselines = new ArrayList<>();
        private long lastApplied = Long.MIN_VALUE;

        ViewCheck(View view, List<Anomaly> anomalies) {
            this.view = view;
            this.anomalies = anomalies;
        }

        void observe(Observation observation) {
            if (observation instanceof Baseline baseline) {
                if (firstBaseline == null) {
                    firstBaseline = baseline.version();
                }
                baselines.add(baseline.version());
                known = Math.max(known, baseline.version());
                return;
            }
            Delivered event = (Delivered) observation;
            if (firstBaseline == null) {
                throw new IllegalArgumentException(view.client() + " saw an event of " + view.escrowId() + " before loading it");
            }
            if (event.version() <= known) {
                return; // stale: the application ignores it (CONTRACT §6)
            }
            if (!ids.add(event.eventId()) || applied.contains(event.version())) {
                anomaly(Kind.DUPLICATE, "v" + event.version() + " (" + event.eventId() + ") again");
                return;
            }
            long expected = Math.max(lastApplied, known) + 1;
            if (event.version() < lastApplied) {
                anomaly(Kind.NONMONOTONIC, "v" + event.version() + " after v" + lastApplied);
            } else if (event.version() > expected) {
                anomaly(Kind.SKIP, "v" + expected + "..v" + (event.version() - 1) + " skipped before v" + event.version());
            }
            applied.add(event.version());
            lastApplied = Math.max(lastApplied, event.version());
        }

        /** Reports what never arrived; returns how many deliveries this view required. */
        long finish(List<Long> log) {
            if (firstBaseline == null) {
                return 0;
            }
            TreeSet<Long> lost = new TreeSet<>();
            long required = 0;
            for (long version : log) {
                if (version <= firstBaseline || covered(version)) {
                    continue;
                }
                required++;
                if (!applied.contains(version)) {
                    lost.add(version);
                }
            }
            long last = log.isEmpty() ? 0 : log.get(log.size() - 1);
            if (!lost.isEmpty()) {
                anomaly(Kind.LOST, "v" + lost.first() + (lost.size() > 1 ? " and " + (lost.size() - 1) + " more" : "")
                        + " never delivered");
            }
            if (view.subscribedToTheEnd() && last > known && !applied.contains(last)) {
                anomaly(Kind.UNSEEN, "last version v" + last + " never arrived");
            }
            return required;
        }

        /** A version is covered when a baseline after the first one reached it (a recovered:false reload). */
        private boolean covered(long version) {
            for (int i = 1; i < baselines.size(); i++) {
                if (baselines.get(i) >= version) {
                    return true;
                }
            }
            return false;
        }

        private void anomaly(Kind kind, String detail) {
            anomalies.add(new Anomaly(kind, view.client(), view.escrowId(), detail));
        }
    }

    private DeliveryChecker() {
    }

}
