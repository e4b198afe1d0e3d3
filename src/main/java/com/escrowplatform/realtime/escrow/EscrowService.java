package com.escrowplatform.realtime.escrow;

import static com.escrowplatform.realtime.outbox.EventTypes.DISPUTE_FILED;
import static com.escrowplatform.realtime.outbox.EventTypes.DISPUTE_RESOLVED;
import static com.escrowplatform.realtime.outbox.EventTypes.MILESTONE_RELEASED;
import static com.escrowplatform.realtime.outbox.EventTypes.PARTY_JOINED;
import static com.escrowplatform.realtime.outbox.EventTypes.STATUS_CHANGED;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.escrowplatform.realtime.escrow.EscrowRequests.CreateEscrow;
import com.escrowplatform.realtime.escrow.EscrowRequests.FileDispute;
import com.escrowplatform.realtime.escrow.EscrowRequests.MilestoneInput;
import com.escrowplatform.realtime.escrow.EscrowRequests.ResolveDispute;
import com.escrowplatform.realtime.outbox.OutboxEvent;
import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.web.ApiException;
import com.escrowplatform.realtime.web.Page;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * The escrow use cases of CONTRACT 2. Every change runs in one transaction that locks the escrow row,
 * checks who may act (403), then the state machine (409), then writes the change with its events
 * ({@link EscrowEvents}). Reads check that the caller is a party or {@code support}.
 */
@ApplicationScoped
public class EscrowService {
    private final EscrowRepository escrows;
    private final EscrowEvents events;

    public EscrowService(EscrowRepository escrows, EscrowEvents events) {
        this.escrows = escrows;
        this.events = events;
    }

    @WithTransaction
    public Uni<EscrowView> create(Caller caller, CreateEscrow request) {
        String currency = checkMilestoneCurrencies(request.milestones());
        checkParties(caller.userId(), request);
        Instant now = now();

        Escrow escrow = new Escrow();
        escrow.id = UUID.randomUUID();
        escrow.title = request.title();
        escrow.description = request.description();
        escrow.status = EscrowStatus.PENDING;
        escrow.version = 0;
        escrow.currency = currency;
        escrow.amount = BigDecimal.ZERO;
        escrow.createdAt = now;
        escrow.updatedAt = now;

        List<EscrowParty> parties = new ArrayList<>();
        parties.add(EscrowParty.of(escrow.id, PartyRole.BUYER, caller.userId(), true));
        parties.add(EscrowParty.of(escrow.id, PartyRole.SELLER, request.sellerId(), false));
        if (request.arbiterId() != null) {
            parties.add(EscrowParty.of(escrow.id, PartyRole.ARBITER, request.arbiterId(), false));
        }
        List<Milestone> milestones = new ArrayList<>();
        for (int i = 0; i < request.milestones().size(); i++) {
            MilestoneInput input = request.milestones().get(i);
            Milestone milestone = new Milestone();
            milestone.id = UUID.randomUUID();
            milestone.escrowId = escrow.id;
            milestone.position = i;
            milestone.title = input.title();
            milestone.amount = new BigDecimal(input.amount().amount());
            milestone.status = Milestone.Status.PENDING;
            escrow.amount = escrow.amount.add(milestone.amount);
            milestones.add(milestone);
        }
        EscrowAggregate aggregate = new EscrowAggregate(escrow, parties, milestones, List.of());

        // the escrow row first: the event rows reference its id and version
        List<Object> rows = new ArrayList<>();
        rows.add(escrow);
        rows.addAll(parties);
        rows.addAll(milestones);
        EscrowEvents.Pending pending = new EscrowEvents.Pending();
        events.recordChange(pending, aggregate, caller.userId(), STATUS_CHANGED, now, statusChange(null, EscrowStatus.PENDING));
        rows.addAll(pending.rows);
        return PanacheEntityBase.persist(rows).replaceWith(() -> EscrowView.of(aggregate));
    }

    @WithTransaction
    public Uni<EscrowView> join(Caller caller, UUID escrowId) {
        return escrows.lockForChange(escrowId).flatMap(aggregate -> {
            EscrowParty party = aggregate.parties().stream()
                    .filter(p -> p.userId.equals(caller.userId()) && p.role != PartyRole.BUYER)
                    .findFirst()
                    .orElseThrow(() -> ApiException.forbidden("Only the invited seller or arbiter may join."));
            EscrowStateMachine.require(aggregate.escrow().status, EscrowAction.JOIN);
            if (party.joined) {
                throw ApiException.conflict("already_joined", "You have already joined this escrow.");
            }
            party.joined = true;
            Instant now = now();
            EscrowEvents.Pending pending = new EscrowEvents.Pending();
            ObjectFields joined = new ObjectFields(events).put("userId", party.userId).put("role", party.role.name());
            events.recordChange(pending, aggregate, caller.userId(), PARTY_JOINED, now, joined.node);
            if (aggregate.parties().stream().allMatch(p -> p.joined)) {
                changeStatus(pending, aggregate, caller, EscrowStatus.ACTIVE, now);
            }
            return finish(pending, aggregate);
        });
    }

    @WithTransaction
    public Uni<EscrowView> fund(Caller caller, UUID escrowId) {
        return buyerMovesStatus(caller, escrowId, EscrowAction.FUND, EscrowStatus.FUNDED, "Only the buyer may fund the escrow.");
    }

    @WithTransaction
    public Uni<EscrowView> releaseMilestone(Caller caller, UUID escrowId, UUID milestoneId) {
        return escrows.lockForChange(escrowId).flatMap(aggregate -> {
            requireRole(aggregate, caller, "Only the buyer may release a milestone.", PartyRole.BUYER);
            EscrowStateMachine.require(aggregate.escrow().status, EscrowAction.RELEASE_MILESTONE);
            Milestone milestone = aggregate.milestone(milestoneId)
                    .orElseThrow(() -> ApiException.notFound("milestone_not_found", "No such milestone in this escrow."));
            if (milestone.status == Milestone.Status.RELEASED) {
                throw ApiException.conflict("milestone_already_released", "This milestone was already released.");
            }
            Instant now = now();
            EscrowEvents.Pending pending = new EscrowEvents.Pending();
            release(pending, aggregate, caller, milestone, now);
            if (aggregate.milestones().stream().allMatch(m -> m.status == Milestone.Status.RELEASED)) {
                changeStatus(pending, aggregate, caller, EscrowStatus.COMPLETED, now);
            }
            return finish(pending, aggregate);
        });
    }

    @WithTransaction
    public Uni<EscrowView> fileDispute(Caller caller, UUID escrowId, FileDispute request) {
        return escrows.lockForChange(escrowId).flatMap(aggregate -> {
            requireRole(aggregate, caller, "Only the buyer or the seller may file a dispute.", PartyRole.BUYER,
                    PartyRole.SELLER);
            EscrowStateMachine.require(aggregate.escrow().status, EscrowAction.FILE_DISPUTE);
            Instant now = now();
            Dispute dispute = new Dispute();
            dispute.id = UUID.randomUUID();
            dispute.escrowId = escrowId;
            dispute.filedBy = caller.userId();
            dispute.reason = request.reason();
            dispute.status = Dispute.Status.OPEN;
            dispute.createdAt = now;
            List<Dispute> disputes = new ArrayList<>(aggregate.disputes());
            disputes.add(dispute);
            EscrowAggregate changed = new EscrowAggregate(aggregate.escrow(), aggregate.parties(),
                    aggregate.milestones(), disputes);

            EscrowEvents.Pending pending = new EscrowEvents.Pending();
            pending.rows.add(dispute);
            ObjectFields filed = new ObjectFields(events).put("disputeId", dispute.id.toString()).put("reason", dispute.reason);
            events.recordChange(pending, changed, caller.userId(), DISPUTE_FILED, now, filed.node);
            changeStatus(pending, changed, caller, EscrowStatus.DISPUTED, now);
            return finish(pending, changed);
        });
    }

    /**
     * RELEASE pays the seller: every open milestone is released (one {@code milestone_released} each), then
     * COMPLETED. REFUND returns the funds: REFUNDED.
     */
    @WithTransaction
    public Uni<EscrowView> resolveDispute(Caller caller, UUID escrowId, UUID disputeId, ResolveDispute request) {
        return escrows.lockForChange(escrowId).flatMap(aggregate -> {
            if (!caller.support() && !aggregate.hasRole(caller.userId(), PartyRole.ARBITER)) {
                throw ApiException.forbidden("Only the arbiter or support may resolve a dispute.");
            }
            EscrowStateMachine.require(aggregate.escrow().status, EscrowAction.RESOLVE_DISPUTE);
            Dispute dispute = aggregate.dispute(disputeId)
                    .orElseThrow(() -> ApiException.notFound("dispute_not_found", "No such dispute in this escrow."));
            if (dispute.status != Dispute.Status.OPEN) {
                throw ApiException.conflict("dispute_not_open", "This dispute is already resolved.");
            }
            Instant now = now();
            dispute.status = Dispute.Status.RESOLVED;
            dispute.resolution = request.resolution();
            dispute.note = request.note();
            dispute.resolvedBy = caller.userId();
            dispute.resolvedAt = now;

            EscrowEvents.Pending pending = new EscrowEvents.Pending();
            ObjectFields resolved = new ObjectFields(events).put("disputeId", dispute.id.toString())
                    .put("resolution", dispute.resolution.name()).put("note", dispute.note);
            events.recordChange(pending, aggregate, caller.userId(), DISPUTE_RESOLVED, now, resolved.node);
            if (dispute.resolution == Dispute.Resolution.RELEASE) {
                for (Milestone milestone : aggregate.milestones()) {
                    if (milestone.status == Milestone.Status.PENDING) {
                        release(pending, aggregate, caller, milestone, now);
                    }
                }
                changeStatus(pending, aggregate, caller, EscrowStatus.COMPLETED, now);
            } else {
                changeStatus(pending, aggregate, caller, EscrowStatus.REFUNDED, now);
            }
            return finish(pending, aggregate);
        });
    }

    @WithTransaction
    public Uni<EscrowView> cancel(Caller caller, UUID escrowId) {
        return buyerMovesStatus(caller, escrowId, EscrowAction.CANCEL, EscrowStatus.CANCELLED,
                "Only the buyer may cancel the escrow.");
    }

    /** An action whose only effect is a status change by the buyer (fund, cancel). Runs in the caller's transaction. */
    private Uni<EscrowView> buyerMovesStatus(Caller caller, UUID escrowId, EscrowAction action, EscrowStatus to,
            String forbidden) {
        return escrows.lockForChange(escrowId).flatMap(aggregate -> {
            requireRole(aggregate, caller, forbidden, PartyRole.BUYER);
            EscrowStateMachine.require(aggregate.escrow().status, action);
            EscrowEvents.Pending pending = new EscrowEvents.Pending();
            changeStatus(pending, aggregate, caller, to, now());
            return finish(pending, aggregate);
        });
    }

    @WithSession
    public Uni<EscrowView> get(Caller caller, UUID escrowId) {
        return readable(caller, escrowId).map(EscrowView::of);
    }

    @WithSession
    public Uni<Page<EscrowView>> mine(Caller caller, int page, int size) {
        return escrows.forUser(caller.userId(), page, size)
                .map(p -> new Page<>(p.items().stream().map(EscrowView::of).toList(), p.page(), p.size(), p.total()));
    }

    /** The escrow's event log in version order: the source of truth when a replay cannot recover. */
    @WithSession
    public Uni<List<EventView>> events(Caller caller, UUID escrowId, long afterVersion, int limit) {
        return readable(caller, escrowId).flatMap(aggregate -> OutboxEvent.<OutboxEvent>find(
                "aggregatetype = ?1 and aggregateid = ?2 and version > ?3 order by version",
                OutboxEvent.ESCROW, escrowId.toString(), afterVersion).page(0, limit).list())
                .map(rows -> rows.stream().map(EventView::of).toList());
    }

    /** Loads an escrow for a read by a party or {@code support}. */
    public Uni<EscrowAggregate> readable(Caller caller, UUID escrowId) {
        return escrows.load(escrowId).invoke(aggregate -> {
            if (!caller.support() && !aggregate.isParty(caller.userId())) {
                throw ApiException.forbidden("You are not a party of this escrow.");
            }
        });
    }

    private void changeStatus(EscrowEvents.Pending pending, EscrowAggregate aggregate, Caller caller, EscrowStatus to,
            Instant now) {
        Escrow escrow = aggregate.escrow();
        EscrowStatus from = escrow.status;
        escrow.status = EscrowStateMachine.transition(from, to);
        events.recordChange(pending, aggregate, caller.userId(), STATUS_CHANGED, now, statusChange(from, to));
    }

    private void release(EscrowEvents.Pending pending, EscrowAggregate aggregate, Caller caller, Milestone milestone,
            Instant now) {
        milestone.status = Milestone.Status.RELEASED;
        milestone.releasedAt = now;
        Money amount = Money.of(milestone.amount, aggregate.escrow().currency);
        ObjectFields released = new ObjectFields(events).put("milestoneId", milestone.id.toString());
        released.node.putObject("amount").put("amount", amount.amount()).put("currency", amount.currency());
        events.recordChange(pending, aggregate, caller.userId(), MILESTONE_RELEASED, now, released.node);
    }

    private com.fasterxml.jackson.databind.node.ObjectNode statusChange(EscrowStatus from, EscrowStatus to) {
        return new ObjectFields(events).put("from", from == null ? null : from.name()).put("to", to.name()).node;
    }

    private static Uni<EscrowView> finish(EscrowEvents.Pending pending, EscrowAggregate aggregate) {
        return PanacheEntityBase.persist(pending.rows).replaceWith(() -> EscrowView.of(aggregate));
    }

    private static void requireRole(EscrowAggregate aggregate, Caller caller, String message, PartyRole... roles) {
        for (PartyRole role : roles) {
            if (aggregate.hasRole(caller.userId(), role)) {
                return;
            }
        }
        throw ApiException.forbidden(message);
    }

    private static void checkParties(String buyerId, CreateEscrow request) {
        if (request.sellerId().equals(buyerId)) {
            throw ApiException.badRequest("sellerId", "must not be the buyer");
        }
        if (request.arbiterId() != null
                && (request.arbiterId().equals(buyerId) || request.arbiterId().equals(request.sellerId()))) {
            throw ApiException.badRequest("arbiterId", "must be neither the buyer nor the seller");
        }
    }

    /** Integer digits of the stored amounts (numeric(19, 4)): the escrow's total must fit as well. */
    private static final int MAX_INTEGER_DIGITS = 15;

    /**
     * Every milestone in one known currency, with no more decimals than it has and above zero, and a total
     * that the escrow can hold.
     */
    private static String checkMilestoneCurrencies(List<MilestoneInput> milestones) {
        String currency = milestones.get(0).amount().currency();
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < milestones.size(); i++) {
            EscrowRequests.MoneyInput money = milestones.get(i).amount();
            String field = "milestones[" + i + "].amount";
            if (!money.currency().equals(currency)) {
                throw ApiException.badRequest(field + ".currency", "every milestone must use the same currency");
            }
            try {
                Currency.getInstance(money.currency());
            } catch (IllegalArgumentException unknown) {
                throw ApiException.badRequest(field + ".currency", "is not an ISO 4217 currency");
            }
            BigDecimal amount = new BigDecimal(money.amount());
            if (amount.signum() <= 0) {
                throw ApiException.badRequest(field + ".amount", "must be above zero");
            }
            if (amount.stripTrailingZeros().scale() > Money.minorDigits(currency)) {
                throw ApiException.badRequest(field + ".amount",
                        "has more decimals than " + currency + " allows (" + Money.minorDigits(currency) + ")");
            }
            total = total.add(amount);
        }
        if (total.precision() - total.scale() > MAX_INTEGER_DIGITS) {
            throw ApiException.badRequest("milestones", "the total must stay below 10^" + MAX_INTEGER_DIGITS);
        }
        return currency;
    }

    /** Database timestamps keep microseconds: an event's time and the row's time read back equal. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** A tiny builder so event fields read as one expression. */
    private static final class ObjectFields {
        final com.fasterxml.jackson.databind.node.ObjectNode node;

        ObjectFields(EscrowEvents events) {
            this.node = events.fields();
        }

        ObjectFields put(String name, String value) {
            node.put(name, value);
            return this;
        }
    }
}
