package com.escrowplatform.realtime.asyncapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.NodeTool;

/**
 * The AsyncAPI document the service serves (with the JSON Schemas it references) passes the AsyncAPI parser's
 * default rules (src/test/asyncapi-validate: the validation {@code asyncapi validate} of the AsyncAPI CLI runs,
 * at a tenth of the CLI's install time) with no error and no warning; only information notes are allowed (the
 * rules recommend AsyncAPI 3.1, the document is 3.0). The validated copy is left in
 * target/asyncapi-validate/documents.
 */
class AsyncApiValidationTest {
    private static final Path DOCUMENTS = Path.of("src/main/resources/META-INF/resources/asyncapi");

    @Test
    void shouldValidateWithNoErrorAndNoWarning() throws IOException {
        Path tools = NodeTool.install("asyncapi-validate");
        Path copy = tools.resolve("documents");
        deleteTree(copy);
        copyTree(DOCUMENTS, copy);

        Validation validation = validate(tools, "documents/escrow-realtime.yaml");

        assertThat(validation.problems()).as(validation.output()).isEmpty();
        assertThat(validation.exitCode()).as(validation.output()).isZero();
        assertThat(validation.output()).contains("documents/escrow-realtime.yaml is valid");
    }

    /** Guards the check itself: dangling references (in the document and to a file) and an unknown action fail. */
    @Test
    void shouldRejectABrokenDocument() throws IOException {
        Path tools = NodeTool.install("asyncapi-validate");
        Files.writeString(tools.resolve("broken.yaml"), """
                asyncapi: 3.0.0
                info:
                  title: broken
                  version: 1.0.0
                channels:
                  a:
                    address: a
                    messages:
                      m:
                        $ref: '#/components/messages/missing'
                      n:
                        payload:
                          $ref: 'schemas/missing.json'
                operations:
                  sendA:
                    action: publish
                    channel:
                      $ref: '#/channels/a'
                """);

        Validation validation = validate(tools, "broken.yaml");

        assertThat(validation.exitCode()).as(validation.output()).isNotZero();
        assertThat(validation.problems()).as(validation.output())
                .anySatisfy(problem -> assertThat(problem).contains("error invalid-ref '#/components/messages/missing'"))
                .anySatisfy(problem -> assertThat(problem).contains("error invalid-ref ENOENT").contains("missing.json"))
                .anySatisfy(problem -> assertThat(problem).contains("\"action\" property must be equal to one of"));
    }

    record Validation(int exitCode, String output, List<String> problems) {
    }

    /** Validates {@code document} (relative to {@code tools}), failing on warnings too. */
    private static Validation validate(Path tools, String document) throws IOException {
        Path output = tools.resolve(document + ".validate.txt");
        Process process = new ProcessBuilder("node", "validate.mjs", document).directory(tools.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            if (!process.waitFor(3, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("the AsyncAPI validation did not finish within 3 minutes; see " + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        String text = Files.readString(output);
        // diagnostics read "<file>:<line>:<column> <severity> <rule> <message>"
        List<String> problems = text.lines().filter(line -> line.matches("\\S+:\\d+:\\d+ (error|warning|warn) .*")).toList();
        return new Validation(process.exitValue(), text, problems);
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
