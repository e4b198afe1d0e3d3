package com.escrowplatform.realtime.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Benchmark results link only files that exist: a sitting's README shows the plot files that were written (no
 * PNG where Chromium is missing), and every committed results page and the README's links resolve.
 */
class ResultLinksTest {
    private static final Pattern RELATIVE_LINK = Pattern.compile("\\]\\((?!https?:|#)([^)#\\s]+)[^)]*\\)");

    @Test
    void shouldLinkOnlyThePlotFilesASittingWrote() throws Exception {
        Path log = Path.of("target", "plot-images-test.log").toAbsolutePath();
        Process node = new ProcessBuilder("node", "--test", "bench/loadgen/plot-images.test.mjs")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(node.waitFor(2, TimeUnit.MINUTES)).as("node --test ended").isTrue();
        } finally {
            node.destroyForcibly();
        }
        assertThat(node.exitValue()).as("node --test bench/loadgen/plot-images.test.mjs:%n%s",
                Files.readString(log, StandardCharsets.UTF_8)).isZero();
    }

    @Test
    void shouldResolveEveryLinkOfTheCommittedResults() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> results = Files.walk(Path.of("bench", "results"))) {
            results.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            Matcher link = RELATIVE_LINK.matcher(Files.readString(page, StandardCharsets.UTF_8));
            while (link.find()) {
                if (!Files.exists(page.toAbsolutePath().getParent().resolve(link.group(1)))) {
                    broken.add(page + " -> " + link.group(1));
                }
            }
        }
        assertThat(pages).as("pages read").hasSizeGreaterThan(1);
        assertThat(broken).as("links to files that do not exist").isEmpty();
    }
}
