package com.escrowplatform.realtime.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.ApplicationProcess;
import com.escrowplatform.realtime.testsupport.Metrics;
import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TestTokens;

/**
 * The packaged application starts and opens several database connections without a "Gauge already registered"
 * WARN: the per-connection gauges of the reactive client are left out, the pool's meters are exported. A process of
 * its own, so that its log holds its whole start (Micrometer warns of a gauge registered twice once per process).
 */
class PerConnectionGaugesIT {
    private static final String APPLICATION_NAME = "per-connection-gauges";

    @Test
    void shouldStartAndOpenSeveralDatabaseConnectionsWithoutAGaugeRegisteredTwice() throws Exception {
        try (ApplicationProcess app = ApplicationProcess.start("per-connection-gauges", Duration.ofMinutes(3),
                Map.of("quarkus.datasource.reactive.additional-properties.application_name", APPLICATION_NAME))) {
            // calls at once, each on a connection of its own
            HttpClient http = HttpClient.newHttpClient();
            String token = TestTokens.forUser("gauges-reader");
            List<CompletableFuture<HttpResponse<String>>> calls = IntStream.range(0, 12)
                    .mapToObj(i -> http.sendAsync(HttpRequest.newBuilder(app.uri().resolve("/api/escrows"))
                            .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString()))
                    .toList();
            assertThat(calls).allSatisfy(call -> assertThat(call.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200));
            assertThat(reactiveConnections()).as("database connections the instance holds").isGreaterThanOrEqualTo(2);

            assertThat(Files.readString(app.log()).lines().filter(line -> line.contains("already registered")))
                    .isEmpty();
            String metrics = app.get("/q/metrics").body();
            assertThat(Metrics.metricIn(metrics, "sql_pool_active")).isPresent();
            assertThat(Metrics.metricIn(metrics, "postgresql_processing_seconds_count")).isPresent();
            assertThat(Metrics.metricIn(metrics, "postgresql_queue_size")).isEmpty();
        }
    }

    /** Connections of the instance's reactive pool to the test database. */
    private static int reactiveConnections() throws Exception {
        try (Connection db = TestInfrastructure.database().connect(); Statement sql = db.createStatement();
                ResultSet row = sql.executeQuery("select count(*) from pg_stat_activity where datname = current_database()"
                        + " and application_name = '" + APPLICATION_NAME + "'")) {
            row.next();
            return row.getInt(1);
        }
    }
}
