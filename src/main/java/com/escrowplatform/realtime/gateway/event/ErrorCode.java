package com.escrowplatform.realtime.gateway.event;

/**
 * The error codes of the contract (section 5). The hub produces {@code invalid_room}, {@code rate_limited},
 * {@code too_many_subscriptions} and {@code bad_request}; the event id codec {@code invalid_event_id};
 * authorization, outside the hub, {@code forbidden} and {@code not_found}.
 */
public enum ErrorCode {
    BAD_REQUEST("bad_request"),
    FORBIDDEN("forbidden"),
    NOT_FOUND("not_found"),
    INVALID_ROOM("invalid_room"),
    INVALID_EVENT_ID("invalid_event_id"),
    RATE_LIMITED("rate_limited"),
    TOO_MANY_SUBSCRIPTIONS("too_many_subscriptions");

    private final String wireName;

    ErrorCode(String wireName) {
        this.wireName = wireName;
    }

    /** The exact string a client sees in {@code {"type":"error","code":…}}. */
    public String wireName() {
        return wireName;
    }
}
