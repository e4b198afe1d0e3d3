package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.escrow.EscrowAction.CANCEL;
import static com.escrowplatform.realtime.escrow.EscrowAction.FILE_DISPUTE;
import static com.escrowplatform.realtime.escrow.EscrowAction.FUND;
import static com.escrowplatform.realtime.escrow.EscrowAction.JOIN;
import static com.escrowplatform.realtime.escrow.EscrowAction.RELEASE_MILESTONE;
import static com.escrowplatform.realtime.escrow.EscrowAction.RESOLVE_DISPUTE;
import static com.escrowplatform.realtime.escrow.EscrowStatus.ACTIVE;
import static com.escrowplatform.realtime.escrow.EscrowStatus.CANCELLED;
import static com.escrowplatform.realtime.escrow.EscrowStatus.COMPLETED;
import static com.escrowplatform.realtime.escrow.EscrowStatus.DISPUTED;
import static com.escrowplatform.realtime.escrow.EscrowStatus.FUNDED;
import static com.escrowplatform.realtime.escrow.EscrowStatus.PENDING;
import static com.escrowplatform.realtime.escrow.EscrowStatus.REFUNDED;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import com.escrowplatform.realtime.web.ApiException;
import com.escrowplatform.realtime.web.Problem;

/**
 * The one place that says which action each status allows and where it may lead (CONTRACT 2).
 *
 * <pre>
 *            JOIN (last party)      FUND          RELEASE_MILESTONE (last)
 *   PENDING ─────────────────► ACTIVE ─────► FUNDED ─────────────────────► COMPLETED
 *      │                          │             │ FILE_DISPUTE                  ▲
 *      │ CANCEL                   │ CANCEL      ▼        RESOLVE_DISPUTE RELEASE │
 *      └──────────► CANCELLED ◄───┘          DISPUTED ───────────────────────────┘
 *                                               └── RESOLVE_DISPUTE REFUND ──► REFUNDED
 * </pre>
 *
 * Who may act (roles) is checked before this table; what the action needs beyond the status (an open
 * milestone, an open dispute) is checked after it.
 */
public final class EscrowStateMachine {

    /** status → the actions allowed in it; a status missing here allows nothing (the final ones). */
    private static final Map<EscrowStatus, Set<EscrowAction>> ALLOWED = new EnumMap<>(EscrowStatus.class);

    /** status → the statuses an allowed action may lead to (staying put included where it can). */
    private static final Map<EscrowStatus, Set<EscrowStatus>> NEXT = new EnumMap<>(EscrowStatus.class);

    static {
        ALLOWED.put(PENDING, EnumSet.of(JOIN, CANCEL));
        ALLOWED.put(ACTIVE, EnumSet.of(FUND, CANCEL));
        ALLOWED.put(FUNDED, EnumSet.of(RELEASE_MILESTONE, FILE_DISPUTE));
        ALLOWED.put(DISPUTED, EnumSet.of(RESOLVE_DISPUTE));
        for (EscrowStatus status : EscrowStatus.values()) {
            ALLOWED.putIfAbsent(status, EnumSet.noneOf(EscrowAction.class));
        }
        NEXT.put(PENDING, EnumSet.of(PENDING, ACTIVE, CANCELLED));
        NEXT.put(ACTIVE, EnumSet.of(FUNDED, CANCELLED));
        NEXT.put(FUNDED, EnumSet.of(FUNDED, DISPUTED, COMPLETED));
        NEXT.put(DISPUTED, EnumSet.of(COMPLETED, REFUNDED));
        for (EscrowStatus status : EscrowStatus.values()) {
            NEXT.putIfAbsent(status, EnumSet.noneOf(EscrowStatus.class));
        }
    }

    private EscrowStateMachine() {
    }

    public static boolean allows(EscrowStatus status, EscrowAction action) {
        return ALLOWED.get(status).contains(action);
    }

    /** @throws TransitionNotAllowedException (409) when {@code action} is not allowed in {@code status} */
    public static void require(EscrowStatus status, EscrowAction action) {
        if (!allows(status, action)) {
            throw new TransitionNotAllowedException(status, action);
        }
    }

    /** Guards every status change the service makes, so a coding slip cannot invent a transition. */
    static EscrowStatus transition(EscrowStatus from, EscrowStatus to) {
        if (!NEXT.get(from).contains(to)) {
            throw new IllegalStateException("no transition " + from + " -> " + to);
        }
        return to;
    }

    public static final class TransitionNotAllowedException extends ApiException {
        public final EscrowStatus status;
        public final EscrowAction action;

        TransitionNotAllowedException(EscrowStatus status, EscrowAction action) {
            super(Problem.of(409, "transition_not_allowed", "Transition not allowed",
                    "'" + action.wireName() + "' is not allowed while the escrow is " + status));
            this.status = status;
            this.action = action;
        }
    }
}
