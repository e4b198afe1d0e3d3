package com.escrowplatform.realtime.notification;

import com.escrowplatform.realtime.outbox.EventTypes;
import com.fasterxml.jackson.databind.JsonNode;

/** The title and body a person reads in the notification feed for one escrow event. */
public record NotificationText(String title, String body) {
    /** The column sizes of the notification table. */
    static final int MAX_TITLE = 300;
    static final int MAX_BODY = 1000;

    /** Cut to what the notification table holds: a dispute reason or note may be longer than a body. */
    public NotificationText {
        title = cut(title, MAX_TITLE);
        body = cut(body, MAX_BODY);
    }

    private static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return text.substring(0, end) + "\u2026";
    }

    public static NotificationText describe(String eventType, String escrowTitle, JsonNode data) {
        String escrow = "\u201c" + escrowTitle + "\u201d";
        switch (eventType) {
            case EventTypes.STATUS_CHANGED:
                return data.path("from").isNull()
                        ? new NotificationText("You were added to " + escrow, "A new escrow is waiting for you to join.")
                        : new NotificationText(escrow + " is now " + data.path("to").asText(),
                                "Status changed from " + data.path("from").asText() + " to " + data.path("to").asText() + ".");
            case EventTypes.MILESTONE_RELEASED:
                JsonNode amount = data.path("amount");
                return new NotificationText("Milestone released in " + escrow,
                        amount.path("amount").asText() + " " + amount.path("currency").asText() + " was released.");
            case EventTypes.DISPUTE_FILED:
                return new NotificationText("Dispute filed on " + escrow, data.path("reason").asText());
            case EventTypes.DISPUTE_RESOLVED:
                String note = data.path("note").isTextual() ? " " + data.path("note").asText() : "";
                return new NotificationText("Dispute resolved on " + escrow,
                        "Resolution: " + data.path("resolution").asText() + "." + note);
            case EventTypes.PARTY_JOINED:
                return new NotificationText(data.path("role").asText() + " joined " + escrow,
                        data.path("userId").asText() + " joined as " + data.path("role").asText() + ".");
            default:
                throw new IllegalArgumentException("not an escrow event type: " + eventType);
        }
    }
}
