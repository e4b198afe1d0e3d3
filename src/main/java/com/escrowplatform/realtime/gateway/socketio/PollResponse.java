package com.escrowplatform.realtime.gateway.socketio;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * The answer to one HTTP long-polling request of an Engine.IO session: a GET parked until packets wait, a
 * POST answered {@code ok}, or Engine.IO's 400. The Vert.x response in production ({@link #of}); a recording
 * stub in tests, which is how {@link EngineSocket}'s polling is tested without HTTP. Any thread; never blocks.
 */
interface PollResponse {

    /** 200 with {@code body} (text, not cached); {@code done} (may be null) runs once it was written or failed. */
    void answer(String body, Runnable done);

    /** 400 with Engine.IO's error body {@code {code, message}}; nothing when this response was answered already. */
    void badRequest(int code, String message);

    /** {@code aborted} runs if the client goes away before the answer (a parked poll is then no longer waiting). */
    void onAbort(Runnable aborted);

    static PollResponse of(HttpServerResponse response) {
        return new PollResponse() {
            @Override
            public void answer(String body, Runnable done) {
                response.putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; charset=UTF-8")
                        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                        .end(body)
                        .onComplete(result -> {
                            if (done != null) {
                                done.run();
                            }
                        });
            }

            @Override
            public void badRequest(int code, String message) {
                if (response.ended()) {
                    return;
                }
                response.setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                        .end(JsonNodeFactory.instance.objectNode().put("code", code).put("message", message).toString());
            }

            @Override
            public void onAbort(Runnable aborted) {
                response.closeHandler(closed -> aborted.run());
            }
        };
    }
}
