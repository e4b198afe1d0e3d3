package com.escrowplatform.realtime.faults;

/** A client following one escrow room for the fault suite, on either protocol. */
interface Subscriber extends Runnable {
    RestWriter.Escrow escrow();

    /** Connected and subscribed, having applied {@code version} (or loaded a snapshot at or past it). */
    boolean caughtUpWith(long version);

    boolean connected();

    long recovered();

    long notRecovered();

    void stop();

    DeliveryChecker.View view(boolean subscribedToTheEnd);
}
