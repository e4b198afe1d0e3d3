package com.escrowplatform.realtime.testsupport;

import java.util.Arrays;
import java.util.OptionalDouble;

import io.restassured.RestAssured;

/** Reads samples out of the Prometheus text that {@code /q/metrics} serves. */
public final class Metrics {
    private Metrics() {
    }

    /** A sample of this test's application: {@link #metricIn} applied to its {@code /q/metrics}. */
    public static OptionalDouble metric(String series) {
        return metricIn(RestAssured.get("/q/metrics").then().statusCode(200).extract().asString(), series);
    }

    /**
     * The sum of the series in {@code prometheusText} that start with {@code series}: a name, or a name with its
     * first labels and no closing brace (e.g. {@code escrow_gateway_replays_total{path="cold"}); empty when none
     * does. A name alone thus adds up its tags, e.g. {@code escrow_gateway_sockets} of both protocols.
     */
    public static OptionalDouble metricIn(String prometheusText, String series) {
        double[] samples = prometheusText.lines()
                .filter(line -> !line.startsWith("#"))
                .filter(line -> line.startsWith(series) && line.length() > series.length()
                        && " {,}".indexOf(line.charAt(series.length())) >= 0)
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .toArray();
        return samples.length == 0 ? OptionalDouble.empty() : OptionalDouble.of(Arrays.stream(samples).sum());
    }
}
