package com.escrowplatform.realtime.escrow;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import com.escrowplatform.realtime.web.ApiException;
import com.escrowplatform.realtime.web.Page;

import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/**
 * Loads escrows with their parts by explicit queries, one after the other (a reactive session runs one
 * statement at a time). Must run inside a Panache session; {@link #lockForChange} inside a transaction.
 */
@ApplicationScoped
public class EscrowRepository {

    /** The escrow, row-locked until the transaction ends: every change of one escrow queues here. */
    public Uni<EscrowAggregate> lockForChange(UUID id) {
        return Escrow.<Escrow>findById(id, LockModeType.PESSIMISTIC_WRITE).flatMap(this::withParts);
    }

    public Uni<EscrowAggregate> load(UUID id) {
        return Escrow.<Escrow>findById(id).flatMap(this::withParts);
    }

    /** The caller's escrows, newest first. */
    public Uni<Page<EscrowAggregate>> forUser(String userId, int page, int size) {
        String mine = "id in (select p.escrowId from EscrowParty p where p.userId = ?1)";
        return Escrow.count(mine, userId).flatMap(total -> Escrow.<Escrow>find(mine,
                Sort.descending("createdAt", "id"), userId).page(page, size).list()
                .flatMap(escrows -> withParts(escrows))
                .map(items -> new Page<>(items, page, size, total)));
    }

    private Uni<EscrowAggregate> withParts(Escrow escrow) {
        if (escrow == null) {
            return Uni.createFrom().failure(ApiException.notFound("escrow_not_found", "No such escrow."));
        }
        return withParts(List.of(escrow)).map(list -> list.get(0));
    }

    /** Four statements for any number of escrows. */
    private Uni<List<EscrowAggregate>> withParts(List<Escrow> escrows) {
        if (escrows.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        List<UUID> ids = escrows.stream().map(e -> e.id).toList();
        return EscrowParty.<EscrowParty>list("escrowId in ?1", ids).flatMap(parties -> Milestone
                .<Milestone>list("escrowId in ?1", Sort.ascending("position"), ids).flatMap(milestones -> Dispute
                        .<Dispute>list("escrowId in ?1", Sort.ascending("createdAt", "id"), ids).map(disputes -> {
                            Map<UUID, List<EscrowParty>> partiesBy = parties.stream()
                                    .sorted(Comparator.comparing(p -> p.role))
                                    .collect(Collectors.groupingBy(p -> p.escrowId));
                            Map<UUID, List<Milestone>> milestonesBy = milestones.stream()
                                    .collect(Collectors.groupingBy(m -> m.escrowId));
                            Map<UUID, List<Dispute>> disputesBy = disputes.stream()
                                    .collect(Collectors.groupingBy(d -> d.escrowId));
                            return escrows.stream().map(e -> new EscrowAggregate(e,
                                    partiesBy.getOrDefault(e.id, List.of()),
                                    milestonesBy.getOrDefault(e.id, List.of()),
                                    disputesBy.getOrDefault(e.id, List.of()))).toList();
                        })));
    }
}
