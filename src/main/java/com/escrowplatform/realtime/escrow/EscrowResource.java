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
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

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

/**
 * The escrow calls of CONTRACT 2. Errors are problem+json (see {@code ProblemMappers}). Each operation lists every
 * answer it gives; the shared error answers are in META-INF/openapi.yaml, and {@code OpenApiStatusesApiTest}
 * checks that the list is exactly what the calls answer.
 */
@Path("/api/escrows")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@Tag(name = "Escrows")
public class EscrowResource {
    private static final String ESCROW = "The escrow after the change.";
    private static final String REPLAYED = "Idempotent-Replayed";
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
    @Operation(operationId = "createEscrow", summary = "Create an escrow; the caller becomes its buyer",
            description = "The escrow starts PENDING with the buyer joined; the seller and the arbiter are invited.")
    @APIResponse(responseCode = "201", description = "The escrow, created.",
            headers = { @Header(name = "Location", description = "The escrow's address.", required = true,
                    schema = @Schema(type = SchemaType.STRING, format = "uri-reference")),
                    @Header(name = REPLAYED, ref = "IdempotentReplayed") },
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidBody")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> create(@Valid @NotNull CreateEscrow request,
            @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows", request),
                () -> escrows.create(caller, request)
                        .map(view -> Reply.created(URI.create("/api/escrows/" + view.id()), view)));
    }

    @POST
    @Path("{id}/join")
    @Operation(operationId = "joinEscrow", summary = "Join as the invited seller or arbiter",
            description = "Once every party has joined, the escrow moves PENDING to ACTIVE.")
    @APIResponse(responseCode = "200", description = ESCROW,
            headers = @Header(name = REPLAYED, ref = "IdempotentReplayed"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "EscrowNotFound")
    @APIResponse(responseCode = "409", ref = "JoinConflict")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> join(@PathParam("id") UUID id, @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/join", null),
                () -> escrows.join(caller, id).map(Reply::ok));
    }

    @POST
    @Path("{id}/fund")
    @Operation(operationId = "fundEscrow", summary = "Fund the escrow (buyer, while ACTIVE)",
            description = "Moves the escrow ACTIVE to FUNDED.")
    @APIResponse(responseCode = "200", description = ESCROW,
            headers = @Header(name = REPLAYED, ref = "IdempotentReplayed"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "EscrowNotFound")
    @APIResponse(responseCode = "409", ref = "TransitionNotAllowed")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> fund(@PathParam("id") UUID id, @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/fund", null),
                () -> escrows.fund(caller, id).map(Reply::ok));
    }

    @POST
    @Path("{id}/milestones/{milestoneId}/release")
    @Operation(operationId = "releaseMilestone", summary = "Release a milestone (buyer, while FUNDED)",
            description = "Releasing the last open milestone also moves the escrow FUNDED to COMPLETED.")
    @APIResponse(responseCode = "200", description = ESCROW,
            headers = @Header(name = REPLAYED, ref = "IdempotentReplayed"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "MilestoneNotFound")
    @APIResponse(responseCode = "409", ref = "ReleaseConflict")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> release(@PathParam("id") UUID id, @PathParam("milestoneId") UUID milestoneId,
            @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key,
                idempotent.describe("POST /api/escrows/" + id + "/milestones/" + milestoneId + "/release", null),
                () -> escrows.releaseMilestone(caller, id, milestoneId).map(Reply::ok));
    }

    @POST
    @Path("{id}/disputes")
    // without it a text/plain body is read by the one-string constructor: the text would become the reason
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "fileDispute", summary = "File a dispute (buyer or seller, while FUNDED)",
            description = "Moves the escrow FUNDED to DISPUTED; the new dispute is the last of the escrow's disputes.")
    @APIResponse(responseCode = "201", description = "The escrow with the dispute filed.",
            headers = { @Header(name = "Location", required = true,
                    description = "The escrow's address (a dispute has none of its own).",
                    schema = @Schema(type = SchemaType.STRING, format = "uri-reference")),
                    @Header(name = REPLAYED, ref = "IdempotentReplayed") },
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidBody")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "EscrowNotFound")
    @APIResponse(responseCode = "409", ref = "TransitionNotAllowed")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> fileDispute(@PathParam("id") UUID id, @Valid @NotNull FileDispute request,
            @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/disputes", request),
                () -> escrows.fileDispute(caller, id, request)
                        .map(view -> Reply.created(URI.create("/api/escrows/" + id), view)));
    }

    @POST
    @Path("{id}/disputes/{disputeId}/resolve")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "resolveDispute", summary = "Resolve a dispute (arbiter or support, while DISPUTED)",
            description = "RELEASE releases every open milestone and moves the escrow to COMPLETED; REFUND moves it to"
                    + " REFUNDED.")
    @APIResponse(responseCode = "200", description = ESCROW,
            headers = @Header(name = REPLAYED, ref = "IdempotentReplayed"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidBody")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "DisputeNotFound")
    @APIResponse(responseCode = "409", ref = "TransitionNotAllowed")
    @APIResponse(responseCode = "415", ref = "UnsupportedMediaType")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> resolveDispute(@PathParam("id") UUID id, @PathParam("disputeId") UUID disputeId,
            @Valid @NotNull ResolveDispute request, @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key,
                idempotent.describe("POST /api/escrows/" + id + "/disputes/" + disputeId + "/resolve", request),
                () -> escrows.resolveDispute(caller, id, disputeId, request).map(Reply::ok));
    }

    @POST
    @Path("{id}/cancel")
    @Operation(operationId = "cancelEscrow", summary = "Cancel the escrow (buyer, while PENDING or ACTIVE)",
            description = "Moves the escrow to CANCELLED.")
    @APIResponse(responseCode = "200", description = ESCROW,
            headers = @Header(name = REPLAYED, ref = "IdempotentReplayed"),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EscrowView.class)))
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "EscrowNotFound")
    @APIResponse(responseCode = "409", ref = "TransitionNotAllowed")
    @APIResponse(responseCode = "422", ref = "IdempotencyKeyReused")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Response> cancel(@PathParam("id") UUID id, @Parameter(ref = "IdempotencyKey") @HeaderParam(IdempotentPosts.HEADER) String key) {
        Caller caller = Caller.of(identity);
        return idempotent.run(caller, key, idempotent.describe("POST /api/escrows/" + id + "/cancel", null),
                () -> escrows.cancel(caller, id).map(Reply::ok));
    }

    @GET
    @Path("{id}")
    @Operation(operationId = "getEscrow", summary = "The escrow (parties and support)",
            description = "Invited parties may read it before they join.")
    @APIResponse(responseCode = "200", description = "The escrow.")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "EscrowNotFound")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<EscrowView> get(@PathParam("id") UUID id) {
        return escrows.get(Caller.of(identity), id);
    }

    @GET
    @Operation(operationId = "listMyEscrows", summary = "The caller's escrows, newest first",
            description = "Every escrow the caller is a party of, invited or joined.")
    @APIResponse(responseCode = "200", description = "One page of the caller's escrows.")
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Page<EscrowView>> mine(
            @Parameter(description = "The page, from 0.", schema = @Schema(type = SchemaType.INTEGER, minimum = "0",
                    defaultValue = "0")) @QueryParam("page") String page,
            @Parameter(description = "Escrows per page.", schema = @Schema(type = SchemaType.INTEGER, minimum = "1",
                    maximum = "100", defaultValue = "20")) @QueryParam("size") String size) {
        int[] paging = Page.validate(page, size);
        return escrows.mine(Caller.of(identity), paging[0], paging[1]);
    }

    @GET
    @Path("{id}/events")
    @Operation(operationId = "listEscrowEvents", summary = "The escrow's event log in version order (parties and support)",
            description = "The source of truth when a WebSocket replay cannot recover: the events after a version,"
                    + " in version order.")
    @APIResponse(responseCode = "200", description = "The events after `afterVersion`, at most `limit` of them.")
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "EscrowNotFound")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<List<EventView>> events(@PathParam("id") UUID id,
            @Parameter(description = "Only the events with a higher version (0: from the start).",
                    schema = @Schema(type = SchemaType.INTEGER, format = "int64", minimum = "0", defaultValue = "0"))
            @QueryParam("afterVersion") String afterVersion,
            @Parameter(description = "At most this many events.", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "1000", defaultValue = "100")) @QueryParam("limit") String limit) {
        return escrows.events(Caller.of(identity), id, Page.wholeNumber("afterVersion", afterVersion, 0, 0, Long.MAX_VALUE),
                (int) Page.wholeNumber("limit", limit, 100, 1, 1000));
    }
}
