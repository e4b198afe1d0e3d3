package com.escrowplatform.realtime.fuzz;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.escrowplatform.realtime.gateway.socketio.RawPollingClient;
import com.escrowplatform.realtime.testsupport.BadTokens;
import com.escrowplatform.realtime.testsupport.Json;
import com.escrowplatform.realtime.testsupport.TestTokens;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Hostile HTTP: malformed REST bodies, headers and paths, which must get a 4xx {@code application/problem+json}
 * with a documented code (docs/errors.md), never a 5xx; and Engine.IO long-polling requests with bad framing or
 * parameters, which get Engine.IO's own 400 {@code {code, message}} (docs/socketio.md) or 413.
 * Answers are written {@code http:<status>:<problem code>} or {@code http:<status>:eio-<code>}.
 */
final class HttpAbuse {
    /** Every REST code of docs/errors.md a client's mistake may get. */
    static final Set<String> DOCUMENTED_4XX = Set.of("invalid_request", "malformed_json", "bad_request", "unauthorized",
            "forbidden", "escrow_not_found", "milestone_not_found", "dispute_not_found", "notification_not_found",
            "not_found", "method_not_allowed", "transition_not_allowed", "already_joined", "milestone_already_released",
            "dispute_not_open", "unsupported_media_type", "idempotency_key_reused");

    private final URI base;
    private final Tally tally;
    private final String token;

    HttpAbuse(URI base, Tally tally, String user) {
        this.base = base;
        this.tally = tally;
        this.token = TestTokens.forUser(user);
    }

    // --- REST ------------------------------------------------------------------------------------------------------

    void runRestLane(Random random, int quota, long deadlineNanos) {
        for (int sent = 0; sent < quota && System.nanoTime() < deadlineNanos; sent++) {
            restInput(random);
        }
    }

    private void restInput(Random random) {
        String validBody = Json.MAPPER.valueToTree(com.escrowplatform.realtime.testsupport.Api.escrowBody("s", null, "1.00")).toString();
        int pick = random.nextInt(100);
        if (pick < 15) {
            String body = random.nextBoolean() ? validBody.substring(0, 1 + random.nextInt(validBody.length() - 2))
                    : Garbage.printable(random, 1 + random.nextInt(300));
            rest("rest:bad-json", "POST", "/api/escrows", json(), body, codes("400:malformed_json", "400:invalid_request"));
        } else if (pick < 30) {
            // (a number where a string goes is read as its text, as errors.md says of amounts: not a wrong type here)
            String[] wrong = { "{\"title\":\"t\",\"sellerId\":[\"s\"],\"milestones\":[]}", "{\"title\":\"t\",\"sellerId\":\"s\",\"milestones\":\"many\"}",
                    "{\"title\":\"t\",\"sellerId\":\"s\",\"milestones\":[{\"title\":\"m\",\"amount\":{\"amount\":true,\"currency\":\"USD\"}}]}",
                    "{\"title\":\"t\",\"sellerId\":\"s\",\"milestones\":[{\"title\":\"m\",\"amount\":{\"amount\":\"1e999999\",\"currency\":\"XXXX\"}}]}",
                    "{\"title\":\"t\",\"sellerId\":\"s\",\"milestones\":[{\"title\":\"m\",\"amount\":\"1.00\"}]}",
                    "[" + validBody + "]", "\"" + Garbage.printable(random, 20).replace("\"", "").replace("\\", "") + "\"", "null", "{}",
                    "{\"title\":{\"$gt\":\"\"},\"sellerId\":\"s\",\"milestones\":[{}]}" };
            rest("rest:wrong-types", "POST", "/api/escrows", json(), wrong[random.nextInt(wrong.length)],
                    codes("400:invalid_request", "400:malformed_json"));
        } else if (pick < 35) {
            int depth = 1_000 + random.nextInt(50_000);
            rest("rest:deep-nesting", "POST", "/api/escrows", json(), "{\"title\":" + HostileBodies.nestedText(depth) + "}",
                    codes("400:malformed_json", "400:invalid_request"));
        } else if (pick < 37) {
            String title = "t".repeat(1_000_000 + random.nextInt(2_000_000));
            rest("rest:huge-body", "POST", "/api/escrows", json(), validBody.replace("Website redesign", title),
                    codes("400:invalid_request"));
        } else if (pick < 45) {
            Map<String, String> headers = json();
            headers.put("Idempotency-Key", "k".repeat(256 + random.nextInt(4_000)));
            rest("rest:bad-idempotency-key", "POST", "/api/escrows", headers, validBody, codes("400:invalid_request"));
        } else if (pick < 55) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Content-Type", "application/json");
            List<BadTokens.Kind> kinds = BadTokens.all();
            String[] notBearer = { "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", Garbage.printable(random, 40) };
            headers.put("Authorization", random.nextBoolean() ? notBearer[random.nextInt(notBearer.length)]
                    : "Bearer " + kinds.get(random.nextInt(kinds.size())).forUser().apply("fuzz-rest"));
            String[] targets = { "/api/escrows", "/api/notifications", "/api/escrows/" + UUID.randomUUID() };
            String target = targets[random.nextInt(targets.length)];
            rest("rest:bad-authorization", target.equals("/api/escrows") && random.nextBoolean() ? "POST" : "GET", target,
                    headers, validBody, codes("401:unauthorized"));
        } else if (pick < 63) {
            String[] types = { "text/plain", "application/xml", "multipart/form-data; boundary=x",
                    "application/x-www-form-urlencoded", "image/png", "application/octet-stream", "text/json+garbage" };
            Map<String, String> headers = bearer();
            headers.put("Content-Type", types[random.nextInt(types.length)]);
            rest("rest:bad-content-type", "POST", "/api/escrows", headers, validBody, codes("415:unsupported_media_type"));
        } else if (pick < 73) {
            String id = Garbage.printable(random, 1 + random.nextInt(40)).replaceAll("[^A-Za-z0-9-]", "-");
            String[] targets = { "/api/escrows/" + id, "/api/escrows/" + id + "/events", "/api/escrows/" + id + "/join",
                    "/api/escrows/" + id + "/fund" };
            String target = targets[random.nextInt(targets.length)];
            rest("rest:bad-uuid-path", target.endsWith("join") || target.endsWith("fund") ? "POST" : "GET", target, bearer(),
                    "", codes("404:escrow_not_found", "404:not_found")); // errors.md: "an id that is not a UUID is also a 404"
        } else if (pick < 80) {
            String[] targets = { "/api/nope", "/api/escrows/" + UUID.randomUUID() + "/nope/deeper", "/api", "/nope/"
                    + random.nextInt(), "/api/escrows/" + UUID.randomUUID() + "/milestones", "/api/notifications/x/y" };
            rest("rest:unknown-route", "GET", targets[random.nextInt(targets.length)], bearer(), "",
                    codes("404:not_found", "405:method_not_allowed"));
        } else if (pick < 88) {
            String[] garbage = { "%00", "%c0%af", "%ff%fe", "%e2%80%ae", "..%2f..%2f", "%2e%2e", "%20%20", "a%2Fb" };
            String target = "/api/escrows/" + garbage[random.nextInt(garbage.length)] + (random.nextBoolean() ? "" : "/events");
            rest("rest:encoded-garbage-path", "GET", target, bearer(), "", documented4xx());
        } else if (pick < 89) {
            // a target that is not a valid URI is refused by Quarkus's HTTP layer with a bare 400 before the router
            // runs, where no handler of the service could write problem+json (docs/errors.md, "Hostile input")
            String[] undecodable = { "%zz", "%", "%u0041", "%e" };
            rest("rest:undecodable-path", "GET", "/api/escrows/" + undecodable[random.nextInt(undecodable.length)], bearer(), "",
                    Set.of("http:400:no body"));
        } else if (pick < 93) {
            String[][] wrong = { { "DELETE", "/api/escrows" }, { "PUT", "/api/escrows/" + UUID.randomUUID() },
                    { "PATCH", "/api/escrows/" + UUID.randomUUID() + "/join" }, { "DELETE", "/api/notifications" },
                    { "GET", "/api/escrows/" + UUID.randomUUID() + "/fund" } };
            String[] call = wrong[random.nextInt(wrong.length)];
            rest("rest:wrong-method", call[0], call[1], bearer(), "", codes("405:method_not_allowed"));
        } else {
            String[] queries = { "page=abc", "page=-1", "size=0", "size=abc", "size=100000", "page=99999999999999999999" };
            String query = queries[random.nextInt(queries.length)];
            String path = query.startsWith("unread") ? "/api/notifications?" : "/api/escrows?";
            rest("rest:bad-query", "GET", path + query, bearer(), "", codes("400:invalid_request"));
        }
    }

    private void rest(String kind, String method, String target, Map<String, String> headers, String body, Set<String> allowed) {
        RawHttp.Answer answer = RawHttp.exchange(base, method, target, headers, Garbage.utf8(body));
        tally.record(kind, method + " " + target + " " + Tally.abbreviate(headers.toString()) + " " + body, restAnswer(answer),
                allowed);
    }

    /** {@code http:<status>:<code>} for a problem+json answer; otherwise the media type shows it is not one. */
    static String restAnswer(RawHttp.Answer answer) {
        if (answer.contentType().startsWith("application/problem+json")) {
            JsonNode problem = Json.parse(answer.body());
            boolean complete = problem.hasNonNull("type") && problem.hasNonNull("title") && problem.path("status").asInt() == answer.status();
            return "http:" + answer.status() + ":" + problem.path("code").asText() + (complete ? "" : " (incomplete problem)");
        }
        if (answer.body().isEmpty()) {
            return "http:" + answer.status() + ":no body";
        }
        return "http:" + answer.status() + ":not problem+json [" + answer.contentType() + "] " + Tally.abbreviate(answer.body());
    }

    private Map<String, String> bearer() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer " + token);
        return headers;
    }

    private Map<String, String> json() {
        Map<String, String> headers = bearer();
        headers.put("Content-Type", "application/json");
        return headers;
    }

    private static Set<String> codes(String... statusAndCodes) {
        return java.util.Arrays.stream(statusAndCodes).map(code -> "http:" + code)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private static Set<String> documented4xx() {
        java.util.Set<String> all = new java.util.HashSet<>();
        for (int status = 400; status < 500; status++) {
            for (String code : DOCUMENTED_4XX) {
                all.add("http:" + status + ":" + code);
            }
        }
        return all;
    }

    // --- Engine.IO long-polling ----------------------------------------------------------------------------------

    void runPollingLane(Random random, int quota, long deadlineNanos) {
        for (int sent = 0; sent < quota && System.nanoTime() < deadlineNanos; sent++) {
            if (random.nextInt(100) < 65) {
                statelessPoll(random);
            } else {
                sessionKillingPost(random);
            }
        }
    }

    /** Requests that name no live session: answered 400 with Engine.IO's code, nothing is created. */
    private void statelessPoll(Random random) {
        int pick = random.nextInt(6);
        String[] badEio = { "3", "5", "x", "", "44", "-4" };
        switch (pick) {
            case 0 -> poll("poll:bad-eio", "GET", "/socket.io/?EIO=" + badEio[random.nextInt(badEio.length)] + "&transport=polling",
                    "", Set.of("http:400:eio-5"));
            case 1 -> poll("poll:unknown-transport", "GET", "/socket.io/?EIO=4&transport="
                    + Garbage.printable(random, 1 + random.nextInt(10)).replaceAll("[^A-Za-z0-9]", "q"), "", Set.of("http:400:eio-0"));
            case 2 -> poll("poll:unknown-sid", random.nextBoolean() ? "GET" : "POST", "/socket.io/?EIO=4&transport=polling&sid="
                    + Garbage.printable(random, 1 + random.nextInt(30)).replaceAll("[^A-Za-z0-9_-]", "_"), "3",
                    Set.of("http:400:eio-1"));
            case 3 -> poll("poll:handshake-by-post", "POST", "/socket.io/?EIO=4&transport=polling", "40", Set.of("http:400:eio-2"));
            case 4 -> poll("poll:websocket-without-upgrade", "GET", "/socket.io/?EIO=4&transport=websocket", "",
                    Set.of("http:400:eio-3"));
            default -> {
                String[] query = { "EIO=4&transport=polling&sid=%zz", "EIO=%zz&transport=polling", "EIO=4&transport=polling&%=x",
                        "EIO=4&transport=polling&sid=%", "EIO=4&&&transport=polling&sid=a%2", "EIO=4&transport=polling%00" };
                poll("poll:encoded-garbage-query", "GET", "/socket.io/?" + query[random.nextInt(query.length)], "",
                        // a query that cannot be decoded is refused by the HTTP server before Engine.IO sees it
                        Set.of("http:400:eio-0", "http:400:eio-1", "http:400:eio-5", "http:400:"));
            }
        }
    }

    /** A session, then a POST that breaks Engine.IO's framing: 400 (or 413), and the session is gone. */
    private void sessionKillingPost(Random random) {
        RawPollingClient session = RawPollingClient.handshake(base);
        int pick = random.nextInt(5);
        String target = "/socket.io/?EIO=4&transport=polling&sid=" + session.sid;
        switch (pick) {
            case 0 -> {
                String[][] framing = { { "4", "", "4" }, { "" }, { "", "3" }, { "6", "" }, { "3", "x" }, { "\u001e\u001e" } };
                String[] packets = framing[random.nextInt(framing.length)];
                HttpResponse<String> post = session.post(packets);
                tally.record("poll:bad-framing", String.join("\\x1e", packets), pollAnswer(post.statusCode(), post.body()),
                        Set.of("http:400:eio-3"));
            }
            case 1 -> {
                String[] malformed = { "42[", "4x", "40{", "49", "42{}", "9", "2probe", "0", "5", "x" + Garbage.printable(random, 20) };
                String packet = malformed[random.nextInt(malformed.length)];
                HttpResponse<String> post = session.post("3", packet);
                tally.record("poll:malformed-packet", packet, pollAnswer(post.statusCode(), post.body()), Set.of("http:400:eio-3"));
            }
            case 2 -> {
                HttpResponse<String> post = session.post("bAQIDBA==");
                tally.record("poll:binary-packet", "bAQIDBA==", pollAnswer(post.statusCode(), post.body()), Set.of("http:400:eio-3"));
            }
            case 3 -> {
                String body = "4" + "2".repeat(WebSocketAbuse.FRAME_LIMIT + 1 + random.nextInt(100_000));
                HttpResponse<String> post = session.post(body);
                // "a polling POST gets 413 and the session ends" (docs/socketio.md): a noop after it names no session
                HttpResponse<String> after = session.post("6");
                tally.record("poll:oversized-body", body, pollAnswer(post.statusCode(), post.body()) + " then "
                        + pollAnswer(after.statusCode(), after.body()), Set.of("http:413 then http:400:eio-1"));
            }
            default -> {
                byte[] body = Garbage.invalidUtf8(random, 1 + random.nextInt(200));
                body[0] = (byte) 0xff; // no packet type: the first character decodes to U+FFFD
                RawHttp.Answer answer = RawHttp.exchange(base, "POST", target, Map.of("Content-Type", "text/plain;charset=UTF-8"), body);
                tally.record("poll:invalid-utf8-body", "<" + body.length + " bytes>", pollAnswer(answer.status(), answer.body()),
                        Set.of("http:400:eio-3"));
            }
        }
    }

    private void poll(String kind, String method, String target, String body, Set<String> allowed) {
        RawHttp.Answer answer = RawHttp.exchange(base, method, target,
                body.isEmpty() ? Map.of() : Map.of("Content-Type", "text/plain;charset=UTF-8"), Garbage.utf8(body));
        tally.record(kind, method + " " + target, pollAnswer(answer.status(), answer.body()), allowed);
    }

    /** {@code http:400:eio-<code>} for Engine.IO's error body, {@code http:<status>} otherwise (with the body when 2xx/5xx). */
    static String pollAnswer(int status, String body) {
        if (status == 400 && body.startsWith("{")) {
            return "http:400:eio-" + Json.parse(body).path("code").asText();
        }
        return status == 413 ? "http:413" : "http:" + status + ":" + Tally.abbreviate(body);
    }
}
