/**
 * One trace from the REST call that changed an escrow to every socket that received its event, in W3C trace
 * context: the call's context is kept on its outbox row, the relay's send is a child span whose context travels
 * in the record's {@code traceparent} header, the live consumer continues it (a record of another service that
 * carries one joins that service's trace), and each socket's delivery is a span of the consumer's.
 * {@link com.escrowplatform.realtime.tracing.EventTracing} is the only door to OpenTelemetry on the event path;
 * with tracing off (the default) it answers null at once, so the path pays one null check per event and per delivery.
 */
package com.escrowplatform.realtime.tracing;
