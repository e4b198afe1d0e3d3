package com.escrowplatform.realtime.gateway;

import com.escrowplatform.realtime.gateway.event.GatewayEvent;

/**
 * The hub's only view of a socket, implemented by each protocol adapter (native, Socket.IO).
 *
 * <p>Both methods are called from any thread (the live consumer, an event loop finishing a subscribe, a cold
 * replay reader), possibly while the hub holds a subscription's lock. So they must not block, must not wait
 * for the write, and must not call back into the {@link Hub} on the calling thread.
 */
public interface Peer {

    /**
     * Hands the event's frame (e.g. {@link GatewayEvent#nativeFrame()}) to the transport and returns. Frames
     * must reach the wire in the order of the calls. When the write finishes, successfully or not, the
     * adapter calls {@link Subscriber#writeCompleted(GatewayEvent)} exactly once, from any thread: that is what
     * frees the subscriber's outbound budget. A call after the socket closed may be ignored.
     */
    void send(GatewayEvent event);

    /** Closes the socket with a WebSocket close code ({@link CloseCodes}: 4008 too slow, 1011 internal error). Asynchronous. */
    void close(int closeCode, String reason);
}
