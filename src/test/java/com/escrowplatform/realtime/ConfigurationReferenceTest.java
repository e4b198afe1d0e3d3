package com.escrowplatform.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.gateway.GatewayConfig;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * {@code docs/configuration.md} is the one configuration reference, so it must not drift from the code: every key
 * of a {@code @ConfigMapping} interface (found by walking the compiled classes) and every {@code escrow.*}
 * {@code @ConfigProperty} has a row; its default there is the code's {@code @WithDefault}; its environment variable
 * is the one that sets it; no row names an {@code escrow.*} key the code does not read; and where
 * {@code application.properties} sets a documented key for production, the documented default is that value.
 */
class ConfigurationReferenceTest {
    static final Path DOC = Path.of("docs/configuration.md");
    static final Path PROPERTIES = Path.of("src/main/resources/application.properties");
    /** A table row of the reference: key, environment variable, default, meaning. */
    static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|([^|]*)\\|([^|]*)\\|.*$");
    /** {@code ${NAME:default}} in application.properties: an environment variable of our own, and its default. */
    static final Pattern ENV_PLACEHOLDER = Pattern.compile("^\\$\\{([A-Z0-9_]+):([^}]*)\\}$");

    record Key(String name, String defaultValue, String declaredBy) {
    }

    record Row(String key, String environment, String defaultCell) {
    }

    @Test
    void shouldDocumentEveryKeyOfTheCodeWithItsDefaultAndEnvironmentVariable() {
        Map<String, Key> keys = keysOfTheCode();
        Map<String, Row> rows = rows();
        List<String> problems = new ArrayList<>();

        for (Key key : keys.values()) {
            Row row = rows.get(key.name());
            if (row == null) {
                problems.add(key.name() + " (" + key.declaredBy() + ") has no row in " + DOC);
                continue;
            }
            if (!row.environment().contains("`" + environmentVariable(key.name()) + "`")) {
                problems.add(key.name() + ": environment variable should be `" + environmentVariable(key.name())
                        + "`, the row says " + row.environment());
            }
            String documented = documentedDefault(row);
            if (key.defaultValue() == null ? documented != null : !key.defaultValue().equals(documented)) {
                problems.add(key.name() + ": default in the code is " + describe(key.defaultValue()) + ", the row says "
                        + describe(documented));
            }
        }
        for (Row row : rows.values()) {
            if (row.key().startsWith("escrow.") && !keys.containsKey(row.key())) {
                problems.add(DOC + " documents " + row.key() + ", which the code does not read");
            }
        }
        assertThat(problems).as("configuration reference against the code").isEmpty();
    }

    @Test
    void shouldDocumentWhatApplicationPropertiesSetsForProduction() {
        Map<String, Key> keys = keysOfTheCode();
        Map<String, Row> rows = rows();
        List<String> problems = new ArrayList<>();

        productionProperties().forEach((name, value) -> {
            Matcher placeholder = ENV_PLACEHOLDER.matcher(value);
            String effective = placeholder.matches() ? placeholder.group(2) : value;
            Key key = keys.get(name);
            if (key != null && key.defaultValue() != null && !value.contains("${") && !key.defaultValue().equals(value)) {
                problems.add(PROPERTIES + " sets " + name + "=" + value + " but the code's default is " + key.defaultValue());
            }
            Row row = rows.get(name);
            if (row == null) {
                return; // a setting of the service's own wiring, not an operator's
            }
            String documented = documentedDefault(row);
            String expected = effective.isEmpty() ? null : effective;
            if (value.contains("${") && !placeholder.matches()) {
                return; // derived from another key (e.g. the websockets-next limits), documented with that key
            }
            if (expected == null ? documented != null : !expected.equals(documented)) {
                problems.add(name + ": " + PROPERTIES + " gives " + describe(expected) + ", the row says " + describe(documented));
            }
            String variable = placeholder.matches() ? placeholder.group(1) : environmentVariable(name);
            if (!row.environment().contains("`" + variable + "`")) {
                problems.add(name + ": environment variable should be `" + variable + "`, the row says " + row.environment());
            }
        });
        for (Row row : rows.values()) {
            if (!row.key().contains("<") && !row.environment().contains("`")) {
                problems.add(row.key() + " has no environment variable");
            }
        }
        assertThat(problems).as("configuration reference against application.properties").isEmpty();
    }

    /** The walk finds what the sources declare: no @ConfigMapping interface escapes it. */
    @Test
    void shouldFindEveryConfigMappingInterfaceOfTheSources() throws IOException {
        long inSources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            inSources = files.filter(file -> file.toString().endsWith(".java")).filter(file -> {
                try {
                    return Files.readString(file).contains("@ConfigMapping(");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).count();
        }
        assertThat(mappingInterfaces()).hasSize((int) inSources).contains(GatewayConfig.class);
        assertThat(keysOfTheCode()).containsKeys("escrow.gateway.max-outbound-bytes",
                "escrow.gateway.live-consumer.fetch-linger", "escrow.notification-center.enabled");
        assertThat(keysOfTheCode().get("escrow.gateway.max-outbound-bytes").defaultValue()).isEqualTo("1048576");
        assertThat(keysOfTheCode().get("escrow.socketio.recovery-secret").defaultValue()).isNull();
    }

    @Test
    void shouldTurnKeysIntoTheirEnvironmentVariables() {
        assertThat(environmentVariable("escrow.gateway.max-outbound-bytes")).isEqualTo("ESCROW_GATEWAY_MAX_OUTBOUND_BYTES");
        assertThat(environmentVariable("quarkus.cache.caffeine.\"escrow-parties\".maximum-size"))
                .isEqualTo("QUARKUS_CACHE_CAFFEINE__ESCROW_PARTIES__MAXIMUM_SIZE");
        assertThat(kebab("maxSubscriptionsPerConnection")).isEqualTo("max-subscriptions-per-connection");
    }

    // --- the code's keys --------------------------------------------------------------------------------------

    static Map<String, Key> keysOfTheCode() {
        Map<String, Key> keys = new LinkedHashMap<>();
        for (Class<?> mapping : mappingInterfaces()) {
            walk(mapping, mapping.getAnnotation(ConfigMapping.class).prefix(), mapping.getSimpleName(), keys);
        }
        for (Class<?> type : mainClasses()) {
            for (Field field : type.getDeclaredFields()) {
                injected(field.getAnnotation(ConfigProperty.class), type, keys);
            }
            List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredConstructors()));
            executables.addAll(List.of(type.getDeclaredMethods()));
            for (Executable executable : executables) {
                for (Annotation[] parameter : executable.getParameterAnnotations()) {
                    for (Annotation annotation : parameter) {
                        if (annotation instanceof ConfigProperty property) {
                            injected(property, type, keys);
                        }
                    }
                }
            }
        }
        return keys;
    }

    /** A mapping's properties, groups (nested interfaces) walked with their own prefix. */
    private static void walk(Class<?> mapping, String prefix, String declaredBy, Map<String, Key> keys) {
        for (Method method : mapping.getMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            WithName withName = method.getAnnotation(WithName.class);
            String name = prefix + "." + (withName != null ? withName.value() : kebab(method.getName()));
            Class<?> group = group(method.getGenericReturnType());
            if (group != null) {
                walk(group, name, declaredBy, keys);
                continue;
            }
            WithDefault withDefault = method.getAnnotation(WithDefault.class);
            keys.put(name, new Key(name, withDefault == null ? null : withDefault.value(), declaredBy + "." + method.getName()));
        }
    }

    /** The nested configuration interface a method returns (directly or in an Optional), or null for a value. */
    private static Class<?> group(Type type) {
        if (type instanceof ParameterizedType parameterized && parameterized.getRawType() == Optional.class) {
            return group(parameterized.getActualTypeArguments()[0]);
        }
        if (type instanceof Class<?> candidate && candidate.isInterface() && !candidate.getName().startsWith("java.")) {
            return candidate;
        }
        return null;
    }

    private static void injected(ConfigProperty property, Class<?> type, Map<String, Key> keys) {
        if (property == null || !property.name().startsWith("escrow.")) {
            return; // quarkus.* and mp.* keys injected for wiring are documented where operators set them
        }
        String defaultValue = ConfigProperty.UNCONFIGURED_VALUE.equals(property.defaultValue()) ? null : property.defaultValue();
        keys.putIfAbsent(property.name(), new Key(property.name(), defaultValue, type.getSimpleName()));
    }

    static List<Class<?>> mappingInterfaces() {
        return mainClasses().stream().filter(type -> type.isAnnotationPresent(ConfigMapping.class)).toList();
    }

    /** Every class compiled from src/main/java, loaded without initialising it. */
    static List<Class<?>> mainClasses() {
        Path root;
        try {
            root = Path.of(GatewayConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(file -> file.toString().endsWith(".class"))
                    .map(file -> root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "."))
                    .map(name -> name.substring(0, name.length() - ".class".length()))
                    .filter(name -> !name.endsWith("package-info"))
                    .<Class<?>>map(ConfigurationReferenceTest::load).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, ConfigurationReferenceTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SmallRye Config's default naming: {@code maxOutboundBytes} → {@code max-outbound-bytes}. */
    static String kebab(String methodName) {
        return methodName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The environment variable SmallRye Config maps to a key: capitals, every other character an underscore. */
    static String environmentVariable(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    // --- the reference and application.properties ------------------------------------------------------------

    static Map<String, Row> rows() {
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : lines(DOC)) {
            Matcher row = ROW.matcher(line);
            if (row.matches() && !"key".equals(row.group(1).trim())) {
                Row parsed = new Row(row.group(1), row.group(2).trim(), row.group(3).trim());
                assertThat(rows.put(parsed.key(), parsed)).as("%s documented twice", parsed.key()).isNull();
            }
        }
        assertThat(rows).as("rows read from %s", DOC).hasSizeGreaterThan(40);
        return rows;
    }

    /** The first code span of the default cell; none when the cell begins with "none". */
    static String documentedDefault(Row row) {
        if (row.defaultCell().startsWith("none")) {
            return null;
        }
        Matcher code = Pattern.compile("`([^`]*)`").matcher(row.defaultCell());
        return code.find() ? code.group(1) : "(no value in backticks: " + row.defaultCell() + ")";
    }

    /** The keys application.properties sets without a profile, as written (continuation lines are not used there). */
    static Map<String, String> productionProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String line : lines(PROPERTIES)) {
            String trimmed = line.trim();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("%") || !trimmed.contains("=")) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            properties.put(trimmed.substring(0, equals).trim(), trimmed.substring(equals + 1).trim());
        }
        assertThat(properties).as("properties read from %s", PROPERTIES).containsKey("quarkus.http.port");
        return properties;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String describe(String value) {
        return value == null ? "none" : "`" + value + "`";
    }
}
