package com.escrowplatform.realtime.gateway;

/**
 * The protocol a socket speaks, as a label only: the hub counts each protocol's sockets apart (the {@code protocol}
 * tag of the gateway's metrics) and otherwise treats them alike.
 */
public enum SocketProtocol {
    /** {@code /ws}. */
    NATIVE("native"),
    /** {@code /socket.io/}, either transport. */
    SOCKETIO("socketio");

    private final String tag;

    SocketProtocol(String tag) {
        this.tag = tag;
    }

    /** The value of the {@code protocol} metric tag. */
    public String tag() {
        return tag;
    }
}
