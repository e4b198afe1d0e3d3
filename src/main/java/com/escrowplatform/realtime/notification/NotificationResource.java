package com.escrowplatform.realtime.notification;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.escrowplatform.realtime.security.Caller;
import com.escrowplatform.realtime.web.AbandonedCalls;
import com.escrowplatform.realtime.web.ApiException;
import com.escrowplatform.realtime.web.IdempotentPosts;
import com.escrowplatform.realtime.web.Page;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** The caller's notification feed (CONTRACT 2). Each operation lists every answer it gives (see EscrowResource). */
@Path("/api/notifications")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@Tag(name = "Notifications")
public class NotificationResource {
    private final SecurityIdentity identity;
    private final AbandonedCalls abandoned;

    public NotificationResource(SecurityIdentity identity, AbandonedCalls abandoned) {
        this.identity = identity;
        this.abandoned = abandoned;
    }

    public record NotificationView(UUID id, @Schema(nullable = true) UUID escrowId, String kind, String title,
            String body, Instant createdAt, @Schema(nullable = true) Instant readAt, boolean read) {
        static NotificationView of(Notification n) {
            return new NotificationView(n.id, n.escrowId, n.kind, n.title, n.body, n.createdAt, n.readAt, n.readAt != null);
        }
    }

    @GET
    @WithSession
    @Operation(operationId = "listNotifications",
            summary = "The caller's notifications, newest first; ?unread=true for unread ones only")
    @APIResponse(responseCode = "200", description = "One page of the caller's notifications.")
    @APIResponse(responseCode = "400", ref = "InvalidParameters")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<Page<NotificationView>> list(
            @Parameter(description = "true: the unread ones only.") @QueryParam("unread") boolean unreadOnly,
            @Parameter(description = "The page, from 0.", schema = @Schema(type = SchemaType.INTEGER, minimum = "0",
                    defaultValue = "0")) @QueryParam("page") String page,
            @Parameter(description = "Notifications per page.", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "100", defaultValue = "20")) @QueryParam("size") String size) {
        int[] paging = Page.validate(page, size);
        String userId = Caller.of(identity).userId();
        String query = unreadOnly ? "userId = ?1 and readAt is null" : "userId = ?1";
        return Notification.count(query, userId).flatMap(total -> Notification
                .<Notification>find(query, Sort.descending("createdAt", "id"), userId)
                .page(paging[0], paging[1]).list()
                .map(items -> new Page<>(items.stream().map(NotificationView::of).toList(), paging[0], paging[1], total)));
    }

    @POST
    @Path("{id}/read")
    @Operation(operationId = "markNotificationRead", summary = "Mark a notification read (idempotent)",
            description = "Marking a notification read again changes nothing and answers the same.")
    @Parameter(name = IdempotentPosts.HEADER, in = ParameterIn.HEADER, description = "Accepted and not needed: this"
            + " call is idempotent by itself.", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "The notification, read.")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "NotificationNotFound")
    @APIResponse(responseCode = "503", ref = "DatabaseUnavailable")
    @APIResponse(responseCode = "default", ref = "InternalError")
    public Uni<NotificationView> markRead(@PathParam("id") UUID id) {
        String userId = Caller.of(identity).userId();
        return abandoned.runToTheEnd(Panache.withTransaction(() -> markReadOf(userId, id)),
                "POST /api/notifications/" + id + "/read");
    }

    private static Uni<NotificationView> markReadOf(String userId, UUID id) {
        return Notification.<Notification>findById(id).map(notification -> {
            if (notification == null) {
                throw ApiException.notFound("notification_not_found", "No such notification.");
            }
            if (!notification.userId.equals(userId)) {
                throw ApiException.forbidden("This notification is someone else's.");
            }
            if (notification.readAt == null) {
                notification.readAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
            }
            return NotificationView.of(notification);
        });
    }
}
