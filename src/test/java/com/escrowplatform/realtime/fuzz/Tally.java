package com.escrowplatform.realtime.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * What the fuzzer sent and what came back: inputs by kind, answers by code, and a sample of the inputs whose
 * answer is not one of those documented for their kind. Thread-safe: every lane records into one tally.
 */
final class Tally {
    /** How many offending inputs are kept to show in a failure. */
    static final int SAMPLE = 20;

    /** One input that got an answer its kind does not allow. */
    record Offence(String kind, String input, String answer, Set<String> allowed) {
        @Override
        public String toString() {
            return kind + ": sent " + input + " → " + answer + " (allowed " + allowed + ")";
        }
    }

    private final Map<String, LongAdder> inputsByKind = new ConcurrentSkipListMap<>();
    private final Map<String, LongAdder> answersByCode = new ConcurrentSkipListMap<>();
    private final LongAdder offences = new LongAdder();
    private final List<Offence> sample = new ArrayList<>();
    private final Map<String, Set<String>> allowedByKind = new ConcurrentHashMap<>();

    /**
     * Records one input of {@code kind} and its {@code answer} (e.g. {@code ws:error:bad_request},
     * {@code ws:close:1009}, {@code http:404:escrow_not_found}); the answer must be one of {@code allowed}.
     */
    void record(String kind, String input, String answer, Set<String> allowed) {
        inputsByKind.computeIfAbsent(kind, k -> new LongAdder()).increment();
        answersByCode.computeIfAbsent(answer, k -> new LongAdder()).increment();
        allowedByKind.putIfAbsent(kind, allowed);
        if (!allowed.contains(answer)) {
            offences.increment();
            synchronized (sample) {
                if (sample.size() < SAMPLE) {
                    sample.add(new Offence(kind, abbreviate(input), answer, allowed));
                }
            }
        }
    }

    long inputs() {
        return inputsByKind.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long offences() {
        return offences.sum();
    }

    List<Offence> sample() {
        synchronized (sample) {
            return List.copyOf(sample);
        }
    }

    /** Inputs whose kind starts with {@code prefix}. */
    long inputs(String prefix) {
        return inputsByKind.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .mapToLong(e -> e.getValue().sum()).sum();
    }

    /** The summary table: inputs by kind, answers by code. */
    String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-44s %8s%n", "input kind", "inputs"));
        snapshot(inputsByKind).forEach((kind, n) -> out.append(String.format("%-44s %8d%n", kind, n)));
        out.append(String.format("%-44s %8d%n%n", "total", inputs()));
        out.append(String.format("%-44s %8s%n", "answer", "count"));
        snapshot(answersByCode).forEach((answer, n) -> out.append(String.format("%-44s %8d%n", answer, n)));
        out.append(String.format("%-44s %8d%n", "undocumented answers", offences()));
        return out.toString();
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
        return counts.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum(), (a, b) -> a, TreeMap::new));
    }

    static String abbreviate(String input) {
        String printable = input.chars().mapToObj(c -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", c)
                : String.valueOf((char) c)).collect(Collectors.joining());
        return printable.length() <= 160 ? printable
                : printable.substring(0, 120) + "…(" + input.length() + " chars)…" + printable.substring(printable.length() - 20);
    }
}
