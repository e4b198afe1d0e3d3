package com.escrowplatform.realtime.gateway;

/** The error codes of the contract (section 5) that the hub and the event id codec can produce. */
public enum ErrorCode {
    BAD_REQUEST("bad_request"),
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
