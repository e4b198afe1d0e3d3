package com.escrowplatform.realtime.web;

import java.util.Comparator;
import java.util.List;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Turns every failure of a REST call into {@code application/problem+json}. A client's mistake is a 4xx
 * with a code from docs/errors.md; an unreachable database is a 503 with Retry-After; only a fault of
 * ours is a 500.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    static final int RETRY_AFTER_SECONDS = 5;

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return respond(e.problem);
    }

    @ServerExceptionMapper
    public Response invalidFields(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldName(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        return respond(Problem.of(400, "invalid_request", "Invalid request", "The request has invalid fields.")
                .withErrors(errors));
    }

    /**
     * A value of the wrong type or format. Mapped on its own: Quarkus REST ships a mapper for exactly this
     * type, which would otherwise win over the more general one below and answer plain JSON.
     */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e) {
        return unreadableJson(e);
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = fieldPath(mapping.getPath());
            return respond(Problem.of(400, "invalid_request", "Invalid request", "The request has invalid fields.")
                    .withErrors(List.of(new Problem.FieldError(field, "has the wrong type or format"))));
        }
        return respond(Problem.of(400, "malformed_json", "Malformed JSON", "The request body is not valid JSON."));
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthorized(RuntimeException e) {
        return Response.fromResponse(respond(Problem.of(401, "unauthorized", "Unauthorized",
                "A valid bearer token is required.")))
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return respond(Problem.of(403, "forbidden", "Forbidden", "This call is not allowed for the caller."));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return unreadableJson(json);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        String code = title.toLowerCase(java.util.Locale.ROOT).replace(' ', '_').replace("-", "");
        if (status == 400) {
            code = "bad_request";
        }
        return respond(Problem.of(status, code, title, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (DatabaseUnavailable.isCause(e)) {
            LOG.warnf("database unavailable: %s", e.toString());
            return Response.fromResponse(respond(Problem.of(503, "database_unavailable", "Service unavailable",
                    "The database cannot be reached; retry later. A change may or may not have been made: retry it"
                            + " with the same Idempotency-Key.")))
                    .header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
                    .build();
        }
        LOG.error("unexpected failure", e);
        return respond(Problem.of(500, "internal_error", "Internal error", "An unexpected error occurred."));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    /**
     * "create.request.milestones[0].title" → "milestones[0].title" (a body's fields, without the method and
     * parameter nodes); "events.afterVersion" → "afterVersion" (a query or header parameter itself).
     */
    private static String fieldName(ConstraintViolation<?> violation) {
        StringBuilder field = new StringBuilder();
        String parameter = null;
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() == jakarta.validation.ElementKind.METHOD) {
                continue;
            }
            if (node.getKind() == jakarta.validation.ElementKind.PARAMETER) {
                parameter = node.getName();
                continue;
            }
            if (node.getIndex() != null && field.length() > 0) {
                field.append('[').append(node.getIndex()).append(']');
            }
            if (node.getName() != null && !node.getName().startsWith("<")) {
                if (field.length() > 0) {
                    field.append('.');
                }
                field.append(node.getName());
            }
        }
        if (field.length() > 0) {
            return field.toString();
        }
        return parameter == null ? "body" : parameter;
    }

    private static String fieldPath(List<JsonMappingException.Reference> path) {
        StringBuilder field = new StringBuilder();
        for (JsonMappingException.Reference ref : path) {
            if (ref.getFieldName() != null) {
                if (field.length() > 0) {
                    field.append('.');
                }
                field.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                field.append('[').append(ref.getIndex()).append(']');
            }
        }
        return field.length() == 0 ? "body" : field.toString();
    }
}
