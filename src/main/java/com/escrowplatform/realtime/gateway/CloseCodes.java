package com.escrowplatform.realtime.gateway;

/**
 * The WebSocket close codes the gateway sends, for every protocol adapter: RFC 6455 section 7.4.1, of which
 * CONTRACT 5 promises 1001, 1008 and 1009 to clients, and the private-use 4008 the contract defines.
 */
public final class CloseCodes {

    /** Closed as agreed: the client closed its Engine.IO session, or the session's transport closed. */
    public static final int NORMAL = 1000;
    /** The server is shutting down or the peer stopped answering pings: reconnect (elsewhere) with the last event id. */
    public static final int GOING_AWAY = 1001;
    /** A frame or packet the protocol does not allow. */
    public static final int PROTOCOL_ERROR = 1002;
    /** Data of a kind this server does not accept: binary frames and packets (only text is spoken). */
    public static final int UNSUPPORTED_DATA = 1003;
    /** A text message that is not valid UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;
    /** A policy refusal: not authenticated, authentication expired, too many connections for the user. */
    public static final int POLICY_VIOLATION = 1008;
    /** A client message over {@code escrow.gateway.max-frame-bytes}. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** A fault of ours, such as an adapter failing while the hub handed it a frame. */
    public static final int INTERNAL_ERROR = 1011;
    /** The socket's outbound queue went over its limit: the client reads too slowly (CONTRACT 5). */
    public static final int TOO_SLOW = 4008;

    private CloseCodes() {
    }
}
