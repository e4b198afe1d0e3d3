package com.escrowplatform.realtime.security;

/** Tokens cannot be verified with the configured key; the message says why, for readiness and the log. */
final class KeyUnavailable extends Exception {
    KeyUnavailable(String message) {
        super(message, null, false, false);
    }
}
