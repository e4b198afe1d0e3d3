package com.escrowplatform.realtime.gateway.socketio;

/**
 * A stub long-polling response: records its one answer (a second fails the test, as it would fail on a real
 * response) and completes the write at once. {@link #abort()} plays a client that went away while it waited.
 */
final class RecordingPoll implements PollResponse {
    private Integer status;
    private String body;
    private Runnable aborted = () -> {
    };

    @Override
    public synchronized void answer(String body, Runnable done) {
        if (status != null) {
            throw new AssertionError("answered twice: " + this.body + ", then " + body);
        }
        status = 200;
        this.body = body;
        if (done != null) {
            done.run();
        }
    }

    @Override
    public synchronized void badRequest(int code, String message) {
        if (status == null) {
            status = 400;
            body = "{\"code\":" + code + ",\"message\":\"" + message + "\"}";
        }
    }

    @Override
    public synchronized void onAbort(Runnable aborted) {
        this.aborted = aborted;
    }

    void abort() {
        Runnable then;
        synchronized (this) {
            then = aborted;
        }
        then.run();
    }

    synchronized Integer status() {
        return status;
    }

    synchronized String body() {
        return body;
    }
}
