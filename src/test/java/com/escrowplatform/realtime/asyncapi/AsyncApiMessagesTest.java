package com.escrowplatform.realtime.asyncapi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.escrowplatform.realtime.outbox.EventTypes;
import com.escrowplatform.realtime.testsupport.Json;

/**
 * The AsyncAPI document's message schemas, as {@link EventDataSchemaApiTest} applies them, accept the frames and
 * headers of the contract and reject broken ones.
 */
class AsyncApiMessagesTest {
    private static final AsyncApiMessages MESSAGES = new AsyncApiMessages();
    private static final String ROOM = "escrow:6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f";

    @Test
    void shouldNameTheMessagesOfEachType() {
        assertThat(AsyncApiMessages.messageSuffix(EventTypes.STATUS_CHANGED)).isEqualTo("StatusChanged");
        assertThat(AsyncApiMessages.messageSuffix(EventTypes.NOTIFICATION_NEW)).isEqualTo("NotificationNew");
    }

    @Test
    void shouldAcceptTheNativeFramesOfTheContract() {
        assertThat(MESSAGES.payloadProblems("welcome",
                Json.parse("{\"type\":\"welcome\",\"sessionId\":\"s1\",\"userId\":\"u1\",\"expiresAt\":\"2026-12-04T11:15:30Z\"}")))
                .isEmpty();
        assertThat(MESSAGES.payloadProblems("subscribed", Json.parse("{\"type\":\"subscribed\",\"room\":\"" + ROOM
                + "\",\"ref\":\"s1\",\"recovered\":false,\"replayed\":0,\"position\":\"AQID\"}"))).isEmpty();
        assertThat(MESSAGES.payloadProblems("error",
                Json.parse("{\"type\":\"error\",\"ref\":null,\"code\":\"bad_request\",\"message\":\"not JSON\"}"))).isEmpty();
        assertThat(MESSAGES.payloadProblems("nativeStatusChanged", Json.parse("{\"type\":\"escrow:status_changed\",\"room\":\""
                + ROOM + "\",\"id\":\"AQID\",\"data\":" + EventDataSchemasTest.VALID.get(EventTypes.STATUS_CHANGED) + "}")))
                .isEmpty();
    }

    @Test
    void shouldRejectBrokenFrames() {
        assertThat(MESSAGES.payloadProblems("error",
                Json.parse("{\"type\":\"error\",\"ref\":1,\"code\":\"teapot\",\"message\":\"?\"}")))
                .anySatisfy(problem -> assertThat(problem).contains("/code"));
        assertThat(MESSAGES.payloadProblems("subscribed",
                Json.parse("{\"type\":\"subscribed\",\"room\":\"" + ROOM + "\",\"ref\":\"s1\",\"recovered\":true,\"replayed\":2}")))
                .anySatisfy(problem -> assertThat(problem).contains("position"));
        assertThat(MESSAGES.payloadProblems("nativeStatusChanged", Json.parse("{\"type\":\"escrow:status_changed\",\"room\":\"lobby\","
                + "\"id\":\"AQID\",\"data\":" + EventDataSchemasTest.VALID.get(EventTypes.STATUS_CHANGED).replace("\"version\":3", "\"version\":-3") + "}")))
                .anySatisfy(problem -> assertThat(problem).contains("/room"))
                .anySatisfy(problem -> assertThat(problem).contains("/data/version"));
        assertThat(MESSAGES.payloadProblems("nativeStatusChanged", Json.parse("{\"type\":\"escrow:party_joined\",\"room\":\""
                + ROOM + "\",\"id\":\"AQID\",\"data\":" + EventDataSchemasTest.VALID.get(EventTypes.STATUS_CHANGED) + "}")))
                .anySatisfy(problem -> assertThat(problem).contains("/type"));
    }

    @Test
    void shouldAcceptTheCloudEventsHeadersAndRejectBrokenOnes() {
        String headers = "{\"ce_specversion\":\"1.0\",\"ce_id\":\"e1\",\"ce_type\":\"escrow:status_changed\",\"ce_source\":\"/escrow-realtime\","
                + "\"ce_subject\":\"6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f\",\"ce_time\":\"2026-12-04T10:15:30Z\",\"content-type\":\"application/json\"}";
        assertThat(MESSAGES.headerProblems("kafkaStatusChanged", Json.parse(headers))).isEmpty();

        assertThat(MESSAGES.headerProblems("kafkaStatusChanged", Json.parse(headers.replace("\"1.0\"", "\"0.3\""))))
                .anySatisfy(problem -> assertThat(problem).contains("/ce_specversion"));
        assertThat(MESSAGES.headerProblems("kafkaPartyJoined", Json.parse(headers)))
                .anySatisfy(problem -> assertThat(problem).contains("/ce_type"));
        assertThat(MESSAGES.headerProblems("kafkaStatusChanged", Json.parse(headers.replace(",\"ce_source\":\"/escrow-realtime\"", ""))))
                .anySatisfy(problem -> assertThat(problem).contains("ce_source"));
    }
}
