package com.escrowplatform.realtime.database;

import java.util.Set;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.quarkus.micrometer.runtime.MeterRegistryCustomizer;

/**
 * Leaves out {@code postgresql.queue.size} and {@code postgresql.current}, two gauges that the reactive PostgreSQL
 * client's metrics register once per connection, under one name and the same tags: the first connection's gauge
 * stays (its own figures only, even after it closed), every later one is ignored with a "Gauge already registered"
 * WARN when the pool opens its second connection, at every start. Their figures would mislead, so they are not
 * exported. What stays: the pool's own meters ({@code sql.pool.*}: in use, waiting, time waited) and the client's
 * timers and counters ({@code postgresql.processing}, {@code .queue.delay}, {@code .completed}, {@code .reset}),
 * which add up over every connection.
 *
 * <p>As a filter it refuses the gauges from the moment Micrometer applies filters; as a customizer, applied right
 * after, it drops the one registered before (the pool's first connection, opened while Hibernate validates the
 * schema at start), which the registry would otherwise keep and warn about at the next connection.
 */
@Singleton
public class PerConnectionGauges implements MeterFilter, MeterRegistryCustomizer {
    static final Set<String> LEFT_OUT = Set.of("postgresql.queue.size", "postgresql.current");

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        return isLeftOut(id) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
    }

    @Override
    public void customize(MeterRegistry registry) {
        registry.getMeters().stream().filter(meter -> isLeftOut(meter.getId())).toList().forEach(registry::remove);
    }

    private static boolean isLeftOut(Meter.Id id) {
        return id.getType() == Meter.Type.GAUGE && LEFT_OUT.contains(id.getName());
    }
}
