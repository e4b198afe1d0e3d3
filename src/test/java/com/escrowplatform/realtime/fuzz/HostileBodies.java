package com.escrowplatform.realtime.fuzz;

import java.util.Random;
import java.util.Set;
import java.util.UUID;

import com.escrowplatform.realtime.testsupport.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hostile {@code subscribe} / {@code unsubscribe} arguments, the same for both protocols: the native frame and the
 * Socket.IO event carry the same {@code {room, lastEventId}} to the same gateway, so each gets the same error code
 * (CONTRACT 7: "same rooms, authorization, replay and limits"). Each dialect wraps them in its own envelope.
 */
final class HostileBodies {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Characters outside an event id's URL-safe alphabet: such an id can never decode. */
    private static final String NOT_IN_ID = "!.~ *$%#";

    /** The arguments, the op they go with, and the answer the contract gives them (a code, or "subscribed"/"unsubscribed"). */
    record Body(String kind, String op, JsonNode args, Set<String> answers) {
    }

    private final String ownUser;
    private final String strangersEscrow;

    /**
     * @param ownUser         the connected user: its own room is the one valid room of a flood
     * @param strangersEscrow an existing escrow the user is not a party of
     */
    HostileBodies(String ownUser, String strangersEscrow) {
        this.ownUser = ownUser;
        this.strangersEscrow = strangersEscrow;
    }

    Body next(Random random) {
        int pick = random.nextInt(67);
        if (pick < 20) {
            return subscribe("invalid-room", room(invalidRoom(random)), "invalid_room");
        }
        if (pick < 28) {
            String room = random.nextBoolean() ? "escrow:" + strangersEscrow : "user:someone-else-" + random.nextInt(1000);
            return subscribe("forbidden-room", room(room), "forbidden");
        }
        if (pick < 30) {
            return subscribe("unknown-escrow", room("escrow:" + new UUID(random.nextLong(), random.nextLong())), "not_found");
        }
        if (pick < 40) {
            return subscribe("bad-event-id", room("user:" + ownUser).put("lastEventId", badEventId(random)),
                    "invalid_event_id");
        }
        if (pick < 50) {
            return subscribe("wrong-types", wrongTypes(random), "bad_request");
        }
        if (pick < 53) {
            ObjectNode args = NODES.objectNode();
            if (random.nextBoolean()) {
                args.put("lastEventId", "x");
            }
            return subscribe("missing-room", args, "bad_request");
        }
        if (pick < 56) {
            return subscribe("deep-nesting", NODES.objectNode().set("room", nested(random, 20 + random.nextInt(880))),
                    "bad_request");
        }
        if (pick < 62) {
            // a flood of valid subscribes: the burst is answered, the rest is rate limited (CONTRACT 5)
            return new Body("subscribe-flood", "subscribe", room("user:" + ownUser), Set.of("subscribed", "rate_limited"));
        }
        return new Body("unsubscribe-garbage", "unsubscribe", room(invalidRoom(random)), Set.of("unsubscribed"));
    }

    private static Body subscribe(String kind, JsonNode args, String code) {
        return new Body(kind, "subscribe", args, Set.of(code));
    }

    private static ObjectNode room(String room) {
        return NODES.objectNode().put("room", room);
    }

    static String invalidRoom(Random random) {
        switch (random.nextInt(8)) {
            case 0:
                return Garbage.printable(random, 1 + random.nextInt(40));
            case 1:
                return "escrow:" + Garbage.printable(random, random.nextInt(50));
            case 2:
                // UUID.fromString takes short hex groups too: a letter past 'f' keeps this from being one
                return "escrow:" + UUID.randomUUID().toString().substring(0, 30) + "g" + Garbage.printable(random, 4);
            case 3:
                return "user:";
            case 4:
                return "user:" + "u".repeat(129 + random.nextInt(300));
            case 5:
                return "ESCROW:" + new UUID(random.nextLong(), random.nextLong());
            case 6:
                return "";
            default:
                return Garbage.unicode(random, 1 + random.nextInt(30));
        }
    }

    private static String badEventId(Random random) {
        if (random.nextInt(4) == 0) {
            return "A".repeat(65 + random.nextInt(1000)); // longer than an id may be
        }
        String id = Garbage.printable(random, random.nextInt(40));
        return id + NOT_IN_ID.charAt(random.nextInt(NOT_IN_ID.length()));
    }

    private static ObjectNode wrongTypes(Random random) {
        ObjectNode args = NODES.objectNode();
        JsonNode wrong = switch (random.nextInt(5)) {
            case 0 -> NODES.numberNode(random.nextInt());
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.arrayNode().add("user:" + random.nextInt());
            case 3 -> NODES.objectNode().put("room", "user:x");
            default -> NODES.numberNode(random.nextDouble());
        };
        if (random.nextBoolean()) {
            args.set("room", wrong);
        } else {
            args.put("room", "user:x").set("lastEventId", wrong);
        }
        return args;
    }

    /** Arrays nested {@code depth} deep: under Jackson's nesting limit (1000), so it parses and is refused by type. */
    static JsonNode nested(Random random, int depth) {
        ArrayNode root = NODES.arrayNode();
        ArrayNode at = root;
        for (int i = 1; i < depth; i++) {
            at = at.addArray();
        }
        at.add(random.nextInt());
        return root;
    }

    /** The text of arrays nested {@code depth} deep, for depths a tree of nodes should not be built for. */
    static String nestedText(int depth) {
        return "[".repeat(depth) + "1" + "]".repeat(depth);
    }

    static String json(JsonNode node) {
        return Json.MAPPER.valueToTree(node).toString();
    }
}
