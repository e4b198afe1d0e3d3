package com.escrowplatform.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.MDC;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.testsupport.TestInfrastructure;
import com.escrowplatform.realtime.testsupport.TracingAndJsonLogs;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code QUARKUS_LOG_CONSOLE_JSON_ENABLED=true} (the prod overlay's setting) makes every console line one JSON
 * object, the MDC included: where tracing puts the trace and span ids (docs/configuration.md).
 */
@QuarkusTest
@TestProfile(TracingAndJsonLogs.class)
@WithTestResource(value = TestInfrastructure.class, scope = TestResourceScope.GLOBAL)
class JsonLogsTest {
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN_ID = "00f067aa0ba902b7";

    @Test
    void shouldWriteEachConsoleLineAsJsonWithTheTraceAndSpanIdsOfTheMdc() throws Exception {
        List<ConsoleHandler> consoles = new ArrayList<>();
        collectConsoles(LogContext.getLogContext().getLogger("").getHandlers(), consoles);
        assertThat(consoles).as("the console handler of the running application").isNotEmpty();
        Formatter formatter = consoles.get(0).getFormatter();

        MDC.put("traceId", TRACE_ID);
        MDC.put("spanId", SPAN_ID);
        String line;
        try {
            ExtLogRecord record = new ExtLogRecord(org.jboss.logmanager.Level.WARN, "the relay lost its lock",
                    JsonLogsTest.class.getName());
            record.setLoggerName("com.escrowplatform.realtime.outbox.PgOutboxRelay");
            line = formatter.format(record);
        } finally {
            MDC.remove("traceId");
            MDC.remove("spanId");
        }

        assertThat(line.strip()).as("one line").doesNotContain("\n").startsWith("{").endsWith("}");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("WARN");
        assertThat(json.path("loggerName").asText()).isEqualTo("com.escrowplatform.realtime.outbox.PgOutboxRelay");
        assertThat(json.path("message").asText()).isEqualTo("the relay lost its lock");
        assertThat(json.path("timestamp").asText()).isNotEmpty();
        assertThat(json.at("/mdc/traceId").asText()).isEqualTo(TRACE_ID);
        assertThat(json.at("/mdc/spanId").asText()).isEqualTo(SPAN_ID);
    }

    /** Quarkus wraps its handlers (a delayed handler at the root); the console handler is among their children. */
    private static void collectConsoles(Handler[] handlers, List<ConsoleHandler> found) {
        for (Handler handler : handlers) {
            if (handler instanceof ConsoleHandler console) {
                found.add(console);
            } else if (handler instanceof ExtHandler parent) {
                collectConsoles(parent.getHandlers(), found);
            }
        }
    }
}
