package com.escrowplatform.realtime.web;

import java.util.List;

/**
 * A failure a client caused or may act on, carried to {@link ProblemMappers} as a {@link Problem}.
 * No stack trace: these are answers, not faults.
 */
public class ApiException extends RuntimeException {
    public final transient Problem problem;

    public ApiException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public static ApiException badRequest(String field, String message) {
        return new ApiException(Problem.of(400, "invalid_request", "Invalid request", "The request has invalid fields.")
                .withErrors(List.of(new Problem.FieldError(field, message))));
    }

    public static ApiException forbidden(String detail) {
        return new ApiException(Problem.of(403, "forbidden", "Forbidden", detail));
    }

    public static ApiException notFound(String code, String detail) {
        return new ApiException(Problem.of(404, code, "Not found", detail));
    }

    public static ApiException conflict(String code, String detail) {
        return new ApiException(Problem.of(409, code, "Conflict", detail));
    }
}
