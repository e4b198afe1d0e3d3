package com.escrowplatform.realtime.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What the database holds, read directly, about one {@code fund} of an escrow made with an {@code Idempotency-Key}:
 * the escrow's status and version, how many {@code FUNDED} status changes its event log has, and the stored answer
 * for the key (null when none is stored). For tests that check what a call left behind when its answer was lost.
 */
public record CommittedFunding(String status, long version, int fundedEvents, Integer keyStatus, String keyBody) {

    public static CommittedFunding of(EscrowScenario escrow, String key) {
        try (Connection db = TestInfrastructure.database().connect()) {
            String status;
            long version;
            try (PreparedStatement sql = db.prepareStatement("select status, version from escrow where id = ?::uuid")) {
                sql.setString(1, escrow.id());
                try (ResultSet row = sql.executeQuery()) {
                    row.next();
                    status = row.getString(1);
                    version = row.getLong(2);
                }
            }
            int funded;
            try (PreparedStatement sql = db.prepareStatement("select count(*) from outbox_event where aggregatetype = 'escrow'"
                    + " and aggregateid = ? and type = 'escrow:status_changed' and payload ->> 'to' = 'FUNDED'")) {
                sql.setString(1, escrow.id());
                try (ResultSet row = sql.executeQuery()) {
                    row.next();
                    funded = row.getInt(1);
                }
            }
            try (PreparedStatement sql = db.prepareStatement("select status, body from idempotency_key where user_id = ? and key = ?")) {
                sql.setString(1, escrow.buyer());
                sql.setString(2, key);
                try (ResultSet row = sql.executeQuery()) {
                    return row.next() ? new CommittedFunding(status, version, funded, row.getInt(1), row.getString(2))
                            : new CommittedFunding(status, version, funded, null, null);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean funded() {
        return "FUNDED".equals(status);
    }

    public boolean keyStored() {
        return keyStatus != null;
    }
}
