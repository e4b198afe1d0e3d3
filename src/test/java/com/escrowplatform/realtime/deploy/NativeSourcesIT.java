package com.escrowplatform.realtime.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What the native-mode augmentation wrote (the build's {@code native-sources} execution, before this test): the
 * native-image arguments, and the reflection and resource configuration a native image would be built with. The
 * toolchain itself is not on the build machines; these are the parts of a native build that can go wrong in this
 * project's own code.
 */
class NativeSourcesIT {
    private static final Path SOURCES = Path.of("target", "native-check", "native-sources");
    private static JsonNode reflection;
    private static List<Pattern> resources;

    @BeforeAll
    static void readConfiguration() throws IOException {
        Path runner;
        try (Stream<Path> files = Files.list(SOURCES)) {
            runner = files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no runner jar in " + SOURCES));
        }
        ObjectMapper json = new ObjectMapper();
        try (ZipFile jar = new ZipFile(runner.toFile())) {
            reflection = read(json, jar, "META-INF/native-image/reflect-config.json");
            JsonNode resourceConfig = read(json, jar, "META-INF/native-image/resource-config.json");
            resources = new ArrayList<>();
            resourceConfig.path("resources").path("includes")
                    .forEach(include -> resources.add(Pattern.compile(include.path("pattern").asText())));
        }
    }

    @Test
    void shouldWriteTheNativeImageArgumentsWithoutFallback() throws IOException {
        String args = Files.readString(SOURCES.resolve("native-image.args"));

        // a fallback image would be a JVM in disguise; link-at-build-time turns missing classes into build errors
        assertThat(args).contains("--no-fallback", "--link-at-build-time");
    }

    /** Jackson meets these outside a resource method's signature, where Quarkus would not register them itself. */
    @Test
    void shouldRegisterEveryTypeSerializedByHandForReflection() {
        Map<String, String> byHand = Map.of(
                "com.escrowplatform.realtime.web.Problem", "the 401 body of a refused upgrade, written at start-up",
                "com.escrowplatform.realtime.web.Problem$FieldError", "inside Problem",
                "com.escrowplatform.realtime.escrow.EscrowView", "an idempotent reply, stored as JSON",
                "com.escrowplatform.realtime.escrow.EscrowView$MilestoneView", "inside EscrowView",
                "com.escrowplatform.realtime.escrow.Money", "inside EscrowView",
                "com.escrowplatform.realtime.escrow.EscrowRequests$CreateEscrow", "the idempotency reuse check",
                "com.escrowplatform.realtime.escrow.EscrowRequests$MilestoneInput", "inside CreateEscrow",
                "com.escrowplatform.realtime.escrow.EscrowRequests$MoneyInput", "inside MilestoneInput",
                "com.escrowplatform.realtime.escrow.EscrowRequests$FileDispute", "the idempotency reuse check",
                "com.escrowplatform.realtime.escrow.EscrowRequests$ResolveDispute", "the idempotency reuse check");

        byHand.forEach((type, why) -> {
            JsonNode entry = entry(type);
            assertThat(entry).as("%s (%s) registered for reflection", type, why).isNotNull();
            assertThat(entry.path("allDeclaredMethods").asBoolean() && entry.path("allDeclaredFields").asBoolean()
                    && entry.path("allDeclaredConstructors").asBoolean())
                    .as("%s: accessors, fields and constructors for Jackson", type).isTrue();
        });
    }

    /** GoingAway releases an upgraded request from the HTTP drain through a package-private method. */
    @Test
    void shouldRegisterTheRequestWrapperMethodsThatTheShutdownDrainCalls() {
        JsonNode wrapper = entry("io.quarkus.vertx.http.runtime.filters.QuarkusRequestWrapper");

        assertThat(wrapper).isNotNull();
        assertThat(wrapper.path("allDeclaredMethods").asBoolean()).isTrue();
    }

    @Test
    void shouldIncludeTheMigrationsAndThePageButNoDevKeys() throws IOException {
        List<String> needed = new ArrayList<>();
        for (String folder : List.of("db/migration", "notification-center")) {
            try (Stream<Path> files = Files.walk(Path.of("src", "main", "resources", folder))) {
                files.filter(Files::isRegularFile)
                        .forEach(f -> needed.add(Path.of("src", "main", "resources").relativize(f).toString()));
            }
        }

        assertThat(needed).isNotEmpty().allSatisfy(resource -> assertThat(included(resource))
                .as("%s in the native image", resource).isTrue());
        // the dev signing keys would let anyone mint tokens: a prod image must not carry them
        assertThat(included("dev-keys/rsa-private.pem")).isFalse();
        assertThat(included("dev-keys/ec-private.pem")).isFalse();
    }

    private static boolean included(String resource) {
        return resources.stream().anyMatch(pattern -> pattern.matcher(resource).matches());
    }

    private static JsonNode entry(String type) {
        for (JsonNode candidate : reflection) {
            if (type.equals(candidate.path("name").asText())) {
                return candidate;
            }
        }
        return null;
    }

    private static JsonNode read(ObjectMapper json, ZipFile jar, String name) throws IOException {
        var zipEntry = jar.getEntry(name);
        assertThat(zipEntry).as(name + " in the runner jar").isNotNull();
        try (InputStream in = jar.getInputStream(zipEntry)) {
            return json.readTree(in);
        }
    }
}
