package com.escrowplatform.realtime.testsupport;

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
     * The value of the first series in {@code prometheusText} that starts with {@code series}: a name, or a name
     * with its first labels and no closing brace (e.g. {@code escrow_gateway_replays_total{path="cold"}).
     */
    public static OptionalDouble metricIn(String prometheusText, String series) {
        return prometheusText.lines()
                .filter(line -> !line.startsWith("#"))
                .filter(line -> line.startsWith(series) && line.length() > series.length()
                        && " {,}".indexOf(line.charAt(series.length())) >= 0)
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst();
    }
}
