package com.escrowplatform.realtime.gateway.ws;

import jakarta.inject.Inject;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;

/**
 * An echo endpoint for the Autobahn|Testsuite, in test code only and built only into the conformance tests'
 * profile. It has no authentication and no application protocol, and nothing else of its own: the frames reach
 * it through the same server options (frame and message limits, compression) and the same {@link FrameGuard}
 * as {@code /ws}, and a failure is closed the way {@link NativeEndpoint} closes it.
 */
@IfBuildProperty(name = ConformanceEchoEndpoint.ENABLED, stringValue = "true")
@WebSocket(path = ConformanceEchoEndpoint.PATH)
public class ConformanceEchoEndpoint {
    static final String PATH = "/test/echo";
    static final String ENABLED = "escrow.test.conformance-echo";

    @Inject
    SocketFailures failures;

    @OnTextMessage
    @NonBlocking
    String echoText(String text) {
        return text;
    }

    @OnBinaryMessage
    @NonBlocking
    Buffer echoBinary(Buffer data) {
        return data;
    }

    @OnError
    @NonBlocking
    void error(Throwable failure, WebSocketConnection connection) {
        failures.onError(failure, connection, SocketFailures.Protocol.NATIVE)
                .ifPresent(reason -> connection.close(reason).subscribe().with(x -> {
                }, x -> {
                }));
    }
}
