package com.escrowplatform.realtime.gateway.event;

import java.util.Objects;
import java.util.UUID;

import com.escrowplatform.realtime.security.Caller;

/**
 * A room of the contract (sections 5 and 7): one escrow's events, {@code escrow:<escrow id>}, or a user's own
 * notifications, {@code user:<sub>}. {@link #parse} is the one place where a room name from the outside (a client
 * frame, a Socket.IO event) is checked; {@link #name()} is the wire string, built only from these prefixes.
 *
 * <p>Immutable; any thread.
 */
public sealed interface Room {

    /** Rooms of one escrow's events: {@code escrow:<escrow id>}. */
    String ESCROW_PREFIX = "escrow:";
    /** A user's own room, of their notifications: {@code user:<sub>}. */
    String USER_PREFIX = "user:";

    /** The room's name on the wire, e.g. {@code escrow:5b0c7a8e-3f43-4d0e-9a52-52f1f0c4d7a1}. */
    String name();

    /** What the room's records are keyed by, and their {@code ce_subject} (CONTRACT 4): the escrow id or the user id. */
    String subject();

    /**
     * The room named {@code name}: {@code escrow:} and a UUID (in any form {@link UUID#fromString} reads; the
     * room's {@link #name()} is then the canonical form), or {@code user:} and 1 to
     * {@link Caller#MAX_USER_ID_LENGTH} characters.
     *
     * @throws GatewayException with {@link ErrorCode#INVALID_ROOM} for anything else, null included
     */
    static Room parse(String name) {
        if (name != null && name.startsWith(ESCROW_PREFIX)) {
            try {
                return new EscrowRoom(UUID.fromString(name.substring(ESCROW_PREFIX.length())));
            } catch (IllegalArgumentException notAUuid) {
                throw invalid(name);
            }
        }
        if (name != null && name.startsWith(USER_PREFIX)) {
            String userId = name.substring(USER_PREFIX.length());
            if (!UserRoom.isUserId(userId)) {
                throw invalid(name);
            }
            return new UserRoom(userId);
        }
        throw invalid(name);
    }

    private static GatewayException invalid(String name) {
        return new GatewayException(ErrorCode.INVALID_ROOM, "not a room: " + name);
    }

    /** The room of one escrow's events. */
    record EscrowRoom(UUID escrowId) implements Room {
        public EscrowRoom {
            Objects.requireNonNull(escrowId, "escrowId");
        }

        @Override
        public String name() {
            return ESCROW_PREFIX + escrowId;
        }

        @Override
        public String subject() {
            return escrowId.toString();
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /** A user's own room; only that user may follow it. */
    record UserRoom(String userId) implements Room {
        /** @throws IllegalArgumentException when {@code userId} is empty or longer than a {@code sub} may be */
        public UserRoom {
            if (!isUserId(userId)) {
                throw new IllegalArgumentException("not a user id: " + userId);
            }
        }

        @Override
        public String name() {
            return USER_PREFIX + userId;
        }

        @Override
        public String subject() {
            return userId;
        }

        @Override
        public String toString() {
            return name();
        }

        private static boolean isUserId(String userId) {
            return userId != null && !userId.isEmpty() && userId.length() <= Caller.MAX_USER_ID_LENGTH;
        }
    }
}
