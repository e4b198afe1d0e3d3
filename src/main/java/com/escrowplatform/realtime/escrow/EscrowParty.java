package com.escrowplatform.realtime.escrow;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/** A buyer, seller or arbiter of an escrow: a party from creation on, invited until joined. */
@Entity
@Table(name = "escrow_party")
@IdClass(EscrowParty.Key.class)
public class EscrowParty extends PanacheEntityBase {
    @Id
    @Column(name = "escrow_id")
    public UUID escrowId;
    @Id
    @Enumerated(EnumType.STRING)
    public PartyRole role;
    @Column(name = "user_id")
    public String userId;
    public boolean joined;

    public static EscrowParty of(UUID escrowId, PartyRole role, String userId, boolean joined) {
        EscrowParty party = new EscrowParty();
        party.escrowId = escrowId;
        party.role = role;
        party.userId = userId;
        party.joined = joined;
        return party;
    }

    public static class Key implements Serializable {
        public UUID escrowId;
        public PartyRole role;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(escrowId, k.escrowId) && role == k.role;
        }

        @Override
        public int hashCode() {
            return Objects.hash(escrowId, role);
        }
    }
}
