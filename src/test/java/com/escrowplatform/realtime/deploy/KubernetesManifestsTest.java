package com.escrowplatform.realtime.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Renders every kustomization under {@code k8s/} with {@code kubectl kustomize} and validates each object with
 * {@code k8s/validate} (Kubernetes schemas, unknown fields, Pod Security "restricted"); then checks that the
 * manifests agree with the service they deploy: its drain on SIGTERM, its health endpoints, its sockets gauge,
 * its topics, and that no secret is written in them.
 */
class KubernetesManifestsTest {
    private static final Path OUT = Path.of("target", "k8s").toAbsolutePath();
    private static final Path VALIDATOR = Path.of("target", "k8s-validate").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Properties APPLICATION = new Properties();
    /** Each kustomization rendered and validated once per run. */
    private static final Map<String, List<JsonNode>> RENDERED = new ConcurrentHashMap<>();

    @BeforeAll
    static void installValidator() throws IOException {
        Files.createDirectories(OUT);
        Files.createDirectories(VALIDATOR);
        try (Stream<Path> files = Files.list(Path.of("k8s", "validate"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, VALIDATOR.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (!Files.isDirectory(VALIDATOR.resolve("node_modules"))) {
            // the versions of package-lock.json, exactly
            Result install = run(VALIDATOR, Duration.ofMinutes(10), "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
            assertThat(install.exit).as("npm ci in %s:\n%s", VALIDATOR, install.output).isZero();
        }
        try (InputStream in = Files.newInputStream(Path.of("src", "main", "resources", "application.properties"))) {
            APPLICATION.load(in);
        }
    }

    @Test
    void shouldRenderAndValidateTheProdOverlay() throws IOException {
        List<JsonNode> objects = renderAndValidate("overlays/prod");

        assertThat(kinds(objects)).contains("ServiceAccount", "ConfigMap", "Deployment", "Service",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "Ingress");
        JsonNode container = container(objects);
        assertThat(container.path("image").asText()).as("prod runs the native image").endsWith("-native");
        assertThat(objects).allSatisfy(o -> {
            if (!o.path("kind").asText().equals("Namespace")) {
                assertThat(o.at("/metadata/namespace").asText()).isEqualTo("escrow");
            }
        });
        assertThat(container.path("args").toString()).as("the native heap is bounded").contains("-Xmx");
        assertThat(only(objects, "ConfigMap").at("/data/QUARKUS_LOG_CONSOLE_JSON_ENABLED").asText())
                .as("JSON logs for the cluster's log shipper").isEqualTo("true");
    }

    @Test
    void shouldRenderAndValidateTheDevOverlay() throws IOException {
        List<JsonNode> objects = renderAndValidate("overlays/dev");

        assertThat(kinds(objects)).contains("ServiceAccount", "ConfigMap", "Deployment", "Service",
                "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy");
        assertThat(container(objects).path("image").asText()).endsWith("-jvm");
    }

    /** The topics the service reads, each with its dead-letter topic (KafkaTopics creates the same set). */
    @Test
    void shouldCreateTheServicesTopicsWithTheirDeadLetterTopics() throws IOException {
        List<JsonNode> objects = renderAndValidate("topics");

        JsonNode settings = only(objects, "ConfigMap").path("data");
        assertThat(settings.path("TOPICS").asText().split(" ")).containsExactly(
                APPLICATION.getProperty("escrow.topics.escrow-events"),
                APPLICATION.getProperty("escrow.topics.user-notifications"));
        assertThat(settings.path("REPLICATION_FACTOR").asInt()).isGreaterThan(settings.path("MIN_INSYNC_REPLICAS").asInt());
        String script = only(objects, "Job").at("/spec/template/spec/containers/0/args/0").asText();
        assertThat(script).contains("\"$topic.dlq\"", "--if-not-exists", "--partitions \"$PARTITIONS\"",
                "--replication-factor \"$REPLICATION_FACTOR\"");
    }

    /**
     * The pod is given the time the service's own drain takes (application.properties, GoingAway): the preStop
     * pause, the 5 s GoingAway waits for close frames, the shutdown delay, the HTTP drain, and a second for the
     * relay and consumers.
     */
    @Test
    void shouldGiveThePodTheWholeDrainOnSigterm() throws IOException {
        for (String overlay : List.of("overlays/prod", "overlays/dev")) {
            List<JsonNode> objects = renderAndValidate(overlay);
            JsonNode pod = only(objects, "Deployment").at("/spec/template/spec");
            JsonNode preStop = container(objects).at("/lifecycle/preStop/exec/command");

            assertThat(preStop.get(0).asText()).isEqualTo("sleep");
            long drain = preStop.get(1).asLong() + 5 + seconds("quarkus.shutdown.delay")
                    + seconds("quarkus.shutdown.timeout") + 1;
            assertThat(pod.path("terminationGracePeriodSeconds").asLong()).as(overlay).isGreaterThanOrEqualTo(drain);
        }
    }

    @Test
    void shouldProbeTheServicesHealthEndpoints() throws IOException {
        JsonNode container = container(renderAndValidate("overlays/prod"));

        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
    }

    /** The autoscaler's custom metric is the Prometheus name of the gauge the gateway registers for its sockets. */
    @Test
    void shouldScaleOnTheSocketsGaugeTheGatewayRegisters() throws IOException {
        List<JsonNode> objects = renderAndValidate("overlays/prod");
        JsonNode hpa = only(objects, "HorizontalPodAutoscaler");
        String metric = null;
        for (JsonNode m : hpa.at("/spec/metrics")) {
            if (m.path("type").asText().equals("Pods")) {
                metric = m.at("/pods/metric/name").asText();
            }
        }
        assertThat(metric).isNotNull();
        String meterName = metric.replace('_', '.');
        String runtime = Files.readString(Path.of("src/main/java/com/escrowplatform/realtime/gateway/kafka/GatewayRuntime.java"));

        assertThat(runtime).contains("Gauge.builder(\"" + meterName + "\", counters, SocketCounters::openSockets)");
        assertThat(only(objects, "Deployment").at("/spec/replicas").isMissingNode())
                .as("the autoscaler, not the Deployment, owns the replica count").isTrue();
    }

    /** Credentials only ever come from Secrets by reference; the recovery secret is the same Secret for every pod. */
    @Test
    void shouldReferenceEverySecretAndWriteNone() throws IOException {
        for (String overlay : List.of("overlays/prod", "overlays/dev")) {
            List<JsonNode> objects = renderAndValidate(overlay);
            assertThat(kinds(objects)).doesNotContain("Secret");
            for (JsonNode env : container(objects).path("env")) {
                if (env.path("name").asText().matches(".*(PASSWORD|SECRET|JAAS|TOKEN|PRIVATE).*")) {
                    assertThat(env.has("value")).as("%s: %s is a literal", overlay, env.path("name")).isFalse();
                    assertThat(env.at("/valueFrom/secretKeyRef/name").asText()).isNotEmpty();
                }
            }
            only(objects, "ConfigMap").path("data").fieldNames().forEachRemaining(key ->
                    assertThat(key).doesNotContainPattern("PASSWORD|SECRET|JAAS|TOKEN|PRIVATE"));
            String recovery = null;
            for (JsonNode env : container(objects).path("env")) {
                if (env.path("name").asText().equals("ESCROW_SOCKETIO_RECOVERY_SECRET")) {
                    recovery = env.at("/valueFrom/secretKeyRef/name").asText();
                }
            }
            assertThat(recovery).isEqualTo("escrow-realtime-socketio");
        }
    }

    /** The validator itself: an unknown field, a wrong type and a privileged container each fail it. */
    @Test
    void shouldRejectBrokenManifests() throws IOException {
        List<JsonNode> objects = renderAndValidate("overlays/prod");
        ObjectNode deployment = (ObjectNode) only(objects, "Deployment");
        ArrayNode broken = JSON.createArrayNode();

        ObjectNode unknownField = named(deployment, "unknown-field");
        ((ObjectNode) unknownField.at("/spec/template/spec/containers/0/securityContext")).put("readOnlyRootFilesytem", true);
        broken.add(unknownField);
        ObjectNode wrongType = named(deployment, "wrong-type");
        ((ObjectNode) wrongType.at("/spec/template/spec")).put("terminationGracePeriodSeconds", "45s");
        broken.add(wrongType);
        ObjectNode privileged = named(deployment, "privileged");
        ((ObjectNode) privileged.at("/spec/template/spec/containers/0/securityContext")).put("privileged", true);
        broken.add(privileged);
        ObjectNode root = named(deployment, "root");
        ((ObjectNode) root.at("/spec/template/spec/securityContext")).put("runAsUser", 0);
        ((ObjectNode) root.at("/spec/template/spec/containers/0/securityContext")).remove("capabilities");
        broken.add(root);
        broken.add(deployment);
        Path file = OUT.resolve("broken.yaml");
        StringBuilder yaml = new StringBuilder();
        for (JsonNode object : broken) {
            yaml.append("---\n").append(JSON.writeValueAsString(object)).append('\n'); // JSON is YAML
        }
        Files.writeString(file, yaml);

        Result result = validate(file, null);

        assertThat(result.exit).isEqualTo(1);
        assertThat(result.output).contains(
                "Deployment/unknown-field: unknown field spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem",
                "Deployment/wrong-type: schema: /spec/template/spec/terminationGracePeriodSeconds must be integer",
                "Deployment/privileged: Pod Security restricted: Privileged Containers",
                "Deployment/root: Pod Security restricted: Running as Non-root user",
                "Deployment/root: Pod Security restricted: Capabilities",
                "INVALID: 5 problem(s) in 5 object(s)");
        assertThat(result.output).doesNotContain("Deployment/escrow-realtime:");
    }

    private static List<JsonNode> renderAndValidate(String kustomization) throws IOException {
        List<JsonNode> rendered = RENDERED.get(kustomization);
        if (rendered != null) {
            return rendered;
        }
        String name = kustomization.replace('/', '-');
        Path yaml = OUT.resolve(name + ".yaml");
        Path json = OUT.resolve(name + ".json");
        Result render = run(Path.of("."), Duration.ofMinutes(2), "kubectl", "kustomize", Path.of("k8s", kustomization).toString());
        assertThat(render.exit).as("kubectl kustomize k8s/%s:\n%s", kustomization, render.output).isZero();
        Files.writeString(yaml, render.output);
        Result validation = validate(yaml, json);
        assertThat(validation.exit).as("k8s/%s:\n%s", kustomization, validation.output).isZero();
        assertThat(validation.output).startsWith("valid: ");
        List<JsonNode> objects = new ArrayList<>();
        JSON.readTree(json.toFile()).forEach(objects::add);
        RENDERED.put(kustomization, List.copyOf(objects));
        return RENDERED.get(kustomization);
    }

    private static Result validate(Path manifests, Path jsonOut) {
        List<String> command = new ArrayList<>(List.of("node", VALIDATOR.resolve("validate.mjs").toString()));
        if (jsonOut != null) {
            command.addAll(List.of("--json", jsonOut.toString()));
        }
        command.add(manifests.toString());
        return run(Path.of("."), Duration.ofMinutes(2), command.toArray(String[]::new));
    }

    private static ObjectNode named(ObjectNode object, String name) {
        ObjectNode copy = object.deepCopy();
        ((ObjectNode) copy.path("metadata")).put("name", name);
        return copy;
    }

    private static List<String> kinds(List<JsonNode> objects) {
        return objects.stream().map(o -> o.path("kind").asText()).toList();
    }

    private static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> found = objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        assertThat(found).as(kind).hasSize(1);
        return found.get(0);
    }

    private static JsonNode container(List<JsonNode> objects) {
        return only(objects, "Deployment").at("/spec/template/spec/containers/0");
    }

    private static long seconds(String key) {
        String value = APPLICATION.getProperty(key);
        assertThat(value).as(key).matches("[0-9]+s");
        return Long.parseLong(value.substring(0, value.length() - 1));
    }

    private record Result(int exit, String output) {
    }

    private static Result run(Path directory, Duration timeout, String... command) {
        try {
            Path log = Files.createTempFile(OUT, "run", ".log");
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.delete(log);
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
