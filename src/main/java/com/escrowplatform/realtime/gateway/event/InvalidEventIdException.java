package com.escrowplatform.realtime.gateway.event;

/** A {@code lastEventId} that is malformed, of an unknown format version, or belongs to another room. */
public final class InvalidEventIdException extends GatewayException {

    private static final long serialVersionUID = 1L;

    public InvalidEventIdException(String message) {
        super(ErrorCode.INVALID_EVENT_ID, message);
    }
}
