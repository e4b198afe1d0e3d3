package com.escrowplatform.realtime.gateway.event;

import java.util.Objects;

/**
 * A refusal the client caused, carrying the contract's error code. Adapters turn it into an error reply
 * ({@code {"type":"error","code":…}} or a Socket.IO ack with {@code ok:false}); it is never a server fault.
 *
 * <p>No stack trace is captured: a client that hammers a limit must not make refusals expensive.
 */
public class GatewayException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public GatewayException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public ErrorCode code() {
        return code;
    }
}
