package com.escrowplatform.realtime.gateway.event;

/**
 * Turns an event into one protocol's wire frame. {@link GatewayEvent#encodedFor} caches the result per
 * event and per codec <em>instance</em>, so each protocol must use one shared instance: the frame is then
 * built once per event, whatever the number of sockets it goes to.
 *
 * <p>Called from any thread, possibly twice for one event when two threads race; must be pure.
 */
@FunctionalInterface
public interface FrameCodec<T> {

    T encode(GatewayEvent event);
}
