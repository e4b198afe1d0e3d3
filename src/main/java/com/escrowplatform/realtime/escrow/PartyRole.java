package com.escrowplatform.realtime.escrow;

public enum PartyRole {
    BUYER, SELLER, ARBITER
}
