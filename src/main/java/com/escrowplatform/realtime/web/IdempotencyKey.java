package com.escrowplatform.realtime.web;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/** The first response to a POST made with an {@code Idempotency-Key}, kept 24 hours. */
@Entity
@Table(name = "idempotency_key")
@IdClass(IdempotencyKey.Id.class)
public class IdempotencyKey extends PanacheEntityBase {
    @jakarta.persistence.Id
    @Column(name = "user_id")
    public String userId;
    @jakarta.persistence.Id
    public String key;
    /** SHA-256 of the request, hex: the column is char(64). */
    @JdbcTypeCode(SqlTypes.CHAR)
    @Column(name = "request_hash", length = 64)
    public String requestHash;
    public int status;
    public String location;
    @JdbcTypeCode(SqlTypes.LONG32VARCHAR) // text
    public String body;
    @Column(name = "created_at")
    public Instant createdAt;

    public static class Id implements Serializable {
        public String userId;
        public String key;

        public Id() {
        }

        Id(String userId, String key) {
            this.userId = userId;
            this.key = key;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Id other && Objects.equals(userId, other.userId) && Objects.equals(key, other.key);
        }

        @Override
        public int hashCode() {
            return Objects.hash(userId, key);
        }
    }
}
