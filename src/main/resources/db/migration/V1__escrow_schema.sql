-- Escrows, their parties, milestones and disputes; the users' notifications; the event log that doubles
-- as the transactional outbox; and the idempotency keys of POST requests.

CREATE TABLE escrow (
    id          uuid PRIMARY KEY,
    title       varchar(200)  NOT NULL,
    description varchar(4000),
    status      varchar(16)   NOT NULL,
    -- the escrow's event sequence: every event bumps it by one (CONTRACT 2)
    version     bigint        NOT NULL,
    currency    char(3)       NOT NULL,
    amount      numeric(19, 4) NOT NULL,
    created_at  timestamptz   NOT NULL,
    updated_at  timestamptz   NOT NULL
);

CREATE TABLE escrow_party (
    escrow_id uuid         NOT NULL REFERENCES escrow (id),
    role      varchar(8)   NOT NULL,
    user_id   varchar(128) NOT NULL,
    joined    boolean      NOT NULL,
    PRIMARY KEY (escrow_id, role)
);
CREATE INDEX escrow_party_by_user ON escrow_party (user_id, escrow_id);

CREATE TABLE milestone (
    id          uuid PRIMARY KEY,
    escrow_id   uuid           NOT NULL REFERENCES escrow (id),
    position    integer        NOT NULL,
    title       varchar(200)   NOT NULL,
    amount      numeric(19, 4) NOT NULL,
    status      varchar(16)    NOT NULL,
    released_at timestamptz,
    UNIQUE (escrow_id, position)
);

CREATE TABLE dispute (
    id          uuid PRIMARY KEY,
    escrow_id   uuid          NOT NULL REFERENCES escrow (id),
    filed_by    varchar(128)  NOT NULL,
    reason      varchar(2000) NOT NULL,
    status      varchar(16)   NOT NULL,
    resolution  varchar(8),
    note        varchar(2000),
    resolved_by varchar(128),
    created_at  timestamptz   NOT NULL,
    resolved_at timestamptz
);
CREATE INDEX dispute_by_escrow ON dispute (escrow_id, created_at);

CREATE TABLE notification (
    id         uuid PRIMARY KEY,
    user_id    varchar(128) NOT NULL,
    escrow_id  uuid,
    kind       varchar(64)  NOT NULL,
    title      varchar(300) NOT NULL,
    body       varchar(1000) NOT NULL,
    created_at timestamptz  NOT NULL,
    read_at    timestamptz
);
CREATE INDEX notification_by_user ON notification (user_id, created_at DESC, id);

-- The event log and transactional outbox. Columns id, aggregatetype, aggregateid, type and payload are
-- those of Debezium's Outbox Event Router, so CDC can replace the relay at scale. seq is the relay's
-- order; version is the escrow's event sequence (null for user notifications).
CREATE TABLE outbox_event (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            uuid         NOT NULL UNIQUE,
    aggregatetype varchar(32)  NOT NULL,
    aggregateid   varchar(128) NOT NULL,
    type          varchar(64)  NOT NULL,
    payload       jsonb        NOT NULL,
    version       bigint,
    created_at    timestamptz  NOT NULL,
    published_at  timestamptz
);
CREATE INDEX outbox_event_unpublished ON outbox_event (seq) WHERE published_at IS NULL;
-- An escrow's versions are unique: a lost update would fail here instead of publishing a repeat.
CREATE UNIQUE INDEX outbox_event_escrow_version ON outbox_event (aggregateid, version) WHERE aggregatetype = 'escrow';

-- NOTIFY is delivered at commit, so the relay wakes exactly when new rows become visible.
CREATE FUNCTION outbox_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_event', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_event_inserted AFTER INSERT ON outbox_event
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_event_notify();

CREATE TABLE idempotency_key (
    user_id      varchar(128) NOT NULL,
    key          varchar(255) NOT NULL,
    request_hash char(64)     NOT NULL,
    status       integer      NOT NULL,
    location     varchar(512),
    body         text         NOT NULL,
    created_at   timestamptz  NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_key_by_age ON idempotency_key (created_at);
