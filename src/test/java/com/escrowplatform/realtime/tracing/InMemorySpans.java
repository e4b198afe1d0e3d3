package com.escrowplatform.realtime.tracing;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * The finished spans of a test application, kept in memory: Quarkus exports to every {@code SpanExporter} bean
 * ({@code quarkus.otel.traces.exporter=cdi}, its default). Inert where tracing is off.
 */
public class InMemorySpans {
    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
