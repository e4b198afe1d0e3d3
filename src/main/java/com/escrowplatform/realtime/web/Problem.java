package com.escrowplatform.realtime.web;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * An RFC 9457 problem with the project's stable {@code code} (docs/errors.md lists every code).
 * {@code errors} lists the offending fields of a 400.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@RegisterForReflection(targets = { Problem.class, Problem.FieldError.class })
public record Problem(String type, String title, int status, String detail, String code, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String code, String title, String detail) {
        return new Problem("urn:escrow-realtime:problem:" + code, title, status, detail, code, null);
    }

    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, code, fieldErrors);
    }
}
