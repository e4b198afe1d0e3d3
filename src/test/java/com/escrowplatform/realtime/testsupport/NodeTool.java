package com.escrowplatform.realtime.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs the npm packages a Node-driven test needs (from the package.json in {@code src/test/<name>})
 * into {@code target/<name>}, once, and Debian's Chromium when a browser test needs it and it is missing.
 */
public final class NodeTool {
    private NodeTool() {
    }

    /** @return the directory holding node_modules for the scripts of {@code src/test/<name>} */
    public static synchronized Path install(String name) {
        Path source = Path.of("src", "test", name).toAbsolutePath();
        Path target = Path.of("target", name).toAbsolutePath();
        try {
            Files.createDirectories(target);
            Files.copy(source.resolve("package.json"), target.resolve("package.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            if (!Files.isDirectory(target.resolve("node_modules"))) {
                run(target, List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"));
            }
            try (var scripts = Files.list(source)) {
                for (Path script : scripts.filter(p -> !p.getFileName().toString().equals("package.json")).toList()) {
                    Files.copy(script, target.resolve(script.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return target;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + target, e);
        }
    }

    /** Debian's Chromium, installed with apt-get when missing (CI and test machines run as root). */
    public static synchronized Path chromium() {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) {
            run(Path.of("."), List.of("apt-get", "update", "-qq"));
            run(Path.of("."), List.of("apt-get", "install", "-y", "-qq", "chromium"));
        }
        if (!Files.isExecutable(chromium)) {
            throw new IllegalStateException("no Chromium at " + chromium);
        }
        return chromium;
    }

    private static void run(Path directory, List<String> command) {
        try {
            Process process = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                            Path.of("target", "node-tool.log").toAbsolutePath().toFile()))
                    .start();
            if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed; see target/node-tool.log");
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
