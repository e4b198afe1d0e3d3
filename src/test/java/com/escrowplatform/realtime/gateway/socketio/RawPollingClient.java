package com.escrowplatform.realtime.gateway.socketio;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.escrowplatform.realtime.testsupport.Json;

/**
 * Engine.IO v4 long-polling spoken by hand over the JDK's HTTP client on {@code /socket.io/?EIO=4&transport=polling}:
 * the handshake GET, then GETs (polls) and POSTs (packets separated by {@code \u001e}) with the session's {@code sid}.
 */
public final class RawPollingClient {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    static final Duration WAIT = Duration.ofSeconds(20);

    final URI base;
    public final String sid;
    /** The open packet of the handshake, e.g. {@code 0{"sid":…}}. */
    final String open;

    private RawPollingClient(URI base, String sid, String open) {
        this.base = base;
        this.sid = sid;
        this.open = open;
    }

    /** A new long-polling session: the handshake GET must answer 200 with the open packet. */
    public static RawPollingClient handshake(URI base) {
        HttpResponse<String> response = HTTP.sendAsync(HttpRequest.newBuilder(base.resolve("/socket.io/?EIO=4&transport=polling"))
                .timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString()).join();
        if (response.statusCode() != 200 || !response.body().startsWith("0{")) {
            throw new AssertionError("handshake answered " + response.statusCode() + " " + response.body());
        }
        return new RawPollingClient(base, Json.parse(response.body().substring(1)).path("sid").asText(), response.body());
    }

    /** A poll (GET), answered when the server has something to say. */
    public CompletableFuture<HttpResponse<String>> poll() {
        return HTTP.sendAsync(HttpRequest.newBuilder(uri()).timeout(WAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Packets to the server (POST), joined with the record separator. */
    public HttpResponse<String> post(String... packets) {
        return HTTP.sendAsync(HttpRequest.newBuilder(uri()).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(String.join("\u001e", packets))).build(),
                HttpResponse.BodyHandlers.ofString()).join();
    }

    private URI uri() {
        return base.resolve("/socket.io/?EIO=4&transport=polling&sid=" + sid);
    }
}
