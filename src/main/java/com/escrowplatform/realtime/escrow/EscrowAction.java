package com.escrowplatform.realtime.escrow;

/** What a caller can do to an escrow over REST (CONTRACT 2), apart from reading it. */
public enum EscrowAction {
    JOIN, FUND, RELEASE_MILESTONE, FILE_DISPUTE, RESOLVE_DISPUTE, CANCEL;

    /** The name a client sees in a 409 problem. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
