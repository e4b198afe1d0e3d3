package com.escrowplatform.realtime.escrow;

/** Where an escrow stands. {@link EscrowStateMachine} says which actions each status allows. */
public enum EscrowStatus {
    PENDING, ACTIVE, FUNDED, DISPUTED, COMPLETED, REFUNDED, CANCELLED
}
