package com.escrowplatform.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The operator and producer docs name metrics, dead-letter reasons and each other's sections; each of those
 * must exist, so that a renamed metric or a new rule fails here instead of leaving the docs wrong.
 */
class OperatorDocsTest {
    static final Path DOCS = Path.of("docs");
    static final Path SOURCES = Path.of("src/main/java");
    static final Pattern METRIC = Pattern.compile("`(escrow_[a-z0-9_]+)");
    static final Pattern STRING_LITERAL = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    // Every escrow_* name a doc gives is a metric the code registers (dotted, plus the suffix Prometheus adds: a
    // counter's _total, a base unit's _seconds or _bytes, a timer's _seconds_max) or a problem code it answers.
    @Test
    void shouldNameOnlyMetricsTheServiceRegisters() {
        Set<String> registered = new HashSet<>();
        for (Path source : files(SOURCES, ".java")) {
            Matcher literal = STRING_LITERAL.matcher(read(source));
            while (literal.find()) {
                if (literal.group(1).matches("escrow(\\.[a-z0-9]+)+")) {
                    String name = literal.group(1).replace('.', '_');
                    registered.addAll(List.of(name, name + "_total", name + "_seconds", name + "_seconds_max",
                            name + "_bytes"));
                } else if (literal.group(1).matches("escrow_[a-z0-9_]+")) {
                    registered.add(literal.group(1)); // a problem code such as escrow_not_found, named as such
                }
            }
        }
        List<String> unknown = new ArrayList<>();
        int named = 0;
        for (Path doc : files(DOCS, ".md")) {
            Matcher metric = METRIC.matcher(read(doc));
            while (metric.find()) {
                named++;
                if (!registered.contains(metric.group(1))) {
                    unknown.add(doc + ": " + metric.group(1));
                }
            }
        }
        assertThat(named).as("metrics named in %s", DOCS).isGreaterThan(20);
        assertThat(unknown).as("metrics the docs name but the code does not register").isEmpty();
    }

    // Every text the record check can give as a dead-letter reason is in the producers' guide.
    @Test
    void shouldNameEveryDeadLetterReasonInTheProducersGuide() {
        String guide = read(DOCS.resolve("producers.md"));
        String check = read(SOURCES.resolve("com/escrowplatform/realtime/gateway/kafka/CloudEventShape.java"));
        List<String> fragments = new ArrayList<>();
        for (String line : check.lines().toList()) {
            if (line.contains("return \"") || line.contains("problem = \"")) {
                Matcher literal = STRING_LITERAL.matcher(line);
                while (literal.find()) {
                    fragments.add(literal.group(1).replace("\\'", "'"));
                }
            }
        }
        assertThat(fragments).as("reasons found in CloudEventShape").hasSizeGreaterThan(10)
                .contains("ce_specversion must be 1.0");
        assertThat(fragments).as("reason texts missing from docs/producers.md").allSatisfy(
                fragment -> assertThat(guide).contains(fragment));
    }

    // Links between the docs (and to the README and sources) lead to a file, and to a heading of it when they name one.
    @Test
    void shouldLinkOnlyToFilesAndHeadingsThatExist() {
        List<String> broken = new ArrayList<>();
        for (Path doc : files(DOCS, ".md")) {
            Matcher link = LINK.matcher(read(doc));
            while (link.find()) {
                String target = link.group(1);
                if (target.contains("://") || target.startsWith("mailto:")) {
                    continue;
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(doc + ": " + target + " (no such file)");
                } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
                    broken.add(doc + ": " + target + " (no such heading)");
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    /** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
    static Set<String> anchors(Path markdown) {
        Set<String> anchors = new HashSet<>();
        for (String line : read(markdown).lines().toList()) {
            if (line.startsWith("#")) {
                String title = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
                anchors.add(title.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    private static List<Path> files(Path root, String suffix) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(file -> file.toString().endsWith(suffix)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
