package com.escrowplatform.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * Keeps the packages of the service free of dependency cycles, as the JDK's own {@code jdeps} sees them in the
 * compiled classes: a package that needs another must not be needed by it, directly or around a loop, so each
 * can be read, tested and changed from the bottom up.
 */
class PackageCyclesTest {
    private static final String ROOT = "com.escrowplatform.realtime";
    private static final Pattern EDGE = Pattern.compile("^\\s+(" + Pattern.quote(ROOT) + "[\\w.]*)\\s+->\\s+("
            + Pattern.quote(ROOT) + "[\\w.]*)\\s", Pattern.MULTILINE);

    @Test
    void shouldHaveNoCycleBetweenPackages() {
        Map<String, Set<String>> uses = packageDependencies(Path.of("target", "classes"));
        assertThat(uses).as("jdeps found the service's packages").containsKeys(ROOT + ".escrow", ROOT + ".gateway");

        assertThat(cycles(uses)).as("packages that depend on each other, around a loop").isEmpty();
    }

    @Test
    void shouldFindACycleWhenThereIsOne() {
        Map<String, Set<String>> uses = Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"), "d", Set.of("a"));

        assertThat(cycles(uses)).containsExactly(List.of("a", "b", "c"));
    }

    /** Package -> the packages of the service it uses, from {@code jdeps -verbose:package}. */
    private static Map<String, Set<String>> packageDependencies(Path classes) {
        assertThat(Files.isDirectory(classes)).as(classes + " (compiled main classes)").isTrue();
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:package",
                classes.toString());
        assertThat(exit).as("jdeps exit status; output:%n%s", out).isZero();
        Map<String, Set<String>> uses = new TreeMap<>();
        Matcher edge = EDGE.matcher(out.toString());
        while (edge.find()) {
            if (!edge.group(1).equals(edge.group(2))) {
                uses.computeIfAbsent(edge.group(1), p -> new TreeSet<>()).add(edge.group(2));
            }
        }
        return uses;
    }

    /** The strongly connected components of more than one package (Tarjan), each sorted. */
    static List<List<String>> cycles(Map<String, Set<String>> uses) {
        var search = new Object() {
            final Map<String, Integer> index = new HashMap<>();
            final Map<String, Integer> low = new HashMap<>();
            final Deque<String> stack = new ArrayDeque<>();
            final List<List<String>> found = new ArrayList<>();

            void visit(String pkg) {
                index.put(pkg, index.size());
                low.put(pkg, index.get(pkg));
                stack.push(pkg);
                for (String used : uses.getOrDefault(pkg, Set.of())) {
                    if (!index.containsKey(used)) {
                        visit(used);
                        low.put(pkg, Math.min(low.get(pkg), low.get(used)));
                    } else if (stack.contains(used)) {
                        low.put(pkg, Math.min(low.get(pkg), index.get(used)));
                    }
                }
                if (low.get(pkg).equals(index.get(pkg))) {
                    List<String> component = new ArrayList<>();
                    String member;
                    do {
                        member = stack.pop();
                        component.add(member);
                    } while (!member.equals(pkg));
                    if (component.size() > 1) {
                        component.sort(null);
                        found.add(component);
                    }
                }
            }
        };
        new TreeSet<>(uses.keySet()).forEach(pkg -> {
            if (!search.index.containsKey(pkg)) {
                search.visit(pkg);
            }
        });
        return search.found;
    }
}
