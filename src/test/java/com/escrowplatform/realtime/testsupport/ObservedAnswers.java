package com.escrowplatform.realtime.testsupport;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

/**
 * A RestAssured filter that records every answer of the requests it is given to: method, path, status, the
 * problem {@code code} of an error and the headers, so that a test can hold them against the OpenAPI document.
 */
public final class ObservedAnswers implements Filter {

    /** One answer; {@code code} is null for an answer that is not problem+json. */
    public record Answer(String method, String path, int status, String code, List<String> headerNames) {
    }

    private final List<Answer> answers = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification responseSpec,
            FilterContext context) {
        Response response = context.next(request, responseSpec);
        String contentType = response.contentType();
        String code = contentType != null && contentType.startsWith("application/problem+json")
                ? response.path("code") : null;
        List<String> headers = response.headers().asList().stream().map(h -> h.getName()).toList();
        answers.add(new Answer(request.getMethod(), URI.create(request.getURI()).getRawPath(), response.statusCode(),
                code, headers));
        return response;
    }

    public List<Answer> answers() {
        synchronized (answers) {
            return List.copyOf(answers);
        }
    }
}
