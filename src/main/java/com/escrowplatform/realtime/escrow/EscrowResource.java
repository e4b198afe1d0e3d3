package com.escrowplatform.realtime.escrow;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import com.escrowplatform.realtime.escrow.EscrowRequests.CreateEscrow;
import com.escrowplatform.realtime.escrow.EscrowRequests.FileDispute;
import com.escrowplatform.realtime.escrow.EscrowRequests.ResolveDispute;
import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.web.IdempotentPosts;
import com.escrowplatform.realtime.web.IdempotentPosts.Reply;
import com.escrowplatform.realtime.web.Page;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** The escrow calls of CONTRACT 2. Errors are problem+json (see {@code ProblemMappers}). */
@Path("/api/escrows")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class EscrowResource {
    private final EscrowService escrows;
    private final IdempotentPosts idempotent;
    private final SecurityIdentity identity;

    public EscrowResource(EscrowService escrows, IdempotentPosts idempotent, SecurityIdentity identity) {
        this.escrows = escrows;
        this.idempotent = idempotent;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an escrow; the caller becomes its buyer")
    public Uni<Response> create(@Valid @NotNull CreateEscrow request,
            @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows", request),
                () -> escrows.create(caller, request)
                        .map(view -> Reply.created(URI.create("/api/escrows/" + view.id()), view)));
    }

    @POST
    @Path("{id}/join")
    @Operation(summary = "Join as the invited seller or arbiter")
    public Uni<Response> join(@PathParam("id") UUID id, @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/join", null),
                () -> escrows.join(caller, id).map(Reply::ok));
    }

    @POST
    @Path("{id}/fund")
    @Operation(summary = "Fund the escrow (buyer, while ACTIVE)")
    public Uni<Response> fund(@PathParam("id") UUID id, @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/fund", null),
                () -> escrows.fund(caller, id).map(Reply::ok));
    }

    @POST
    @Path("{id}/milestones/{milestoneId}/release")
    @Operation(summary = "Release a milestone (buyer, while FUNDED)")
    public Uni<Response> release(@PathParam("id") UUID id, @PathParam("milestoneId") UUID milestoneId,
            @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key,
                idempotent.describe("POST /api/escrows/" + id + "/milestones/" + milestoneId + "/release", null),
                () -> escrows.releaseMilestone(caller, id, milestoneId).map(Reply::ok));
    }

    @POST
    @Path("{id}/disputes")
    @Operation(summary = "File a dispute (buyer or seller, while FUNDED)")
    // without it a text/plain body is read by the one-string constructor: the text would become the reason
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> fileDispute(@PathParam("id") UUID id, @Valid @NotNull FileDispute request,
            @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/disputes", request),
                () -> escrows.fileDispute(caller, id, request)
                        .map(view -> Reply.created(URI.create("/api/escrows/" + id), view)));
    }

    @POST
    @Path("{id}/disputes/{disputeId}/resolve")
    @Operation(summary = "Resolve a dispute (arbiter or support, while DISPUTED)")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> resolveDispute(@PathParam("id") UUID id, @PathParam("disputeId") UUID disputeId,
            @Valid @NotNull ResolveDispute request, @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key,
                idempotent.describe("POST /api/escrows/" + id + "/disputes/" + disputeId + "/resolve", request),
                () -> escrows.resolveDispute(caller, id, disputeId, request).map(Reply::ok));
    }

    @POST
    @Path("{id}/cancel")
    @Operation(summary = "Cancel the escrow (buyer, while PENDING or ACTIVE)")
    public Uni<Response> cancel(@PathParam("id") UUID id, @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/cancel", null),
                () -> escrows.cancel(caller, id).map(Reply::ok));
    }

    @GET
    @Path("{id}")
    @Operation(summary = "The escrow (parties and support)")
    public Uni<EscrowView> get(@PathParam("id") UUID id) {
        return escrows.get(Caller.of(identity), id);
    }

    @GET
    @Operation(summary = "The caller's escrows, newest first")
    public Uni<Page<EscrowView>> mine(@QueryParam("page") String page, @QueryParam("size") String size) {
        int[] paging = Page.validate(page, size);
        return escrows.mine(Caller.of(identity), paging[0], paging[1]);
    }

    @GET
    @Path("{id}/events")
    @Operation(summary = "The escrow's event log in version order (parties and support)")
    public Uni<List<EventView>> events(@PathParam("id") UUID id, @QueryParam("afterVersion") String afterVersion,
            @QueryParam("limit") String limit) {
        return escrows.events(Caller.of(identity), id, Page.wholeNumber("afterVersion", afterVersion, 0, 0, Long.MAX_VALUE),
                (int) Page.wholeNumber("limit", limit, 100, 1, 1000));
    }
}
