-- The install's relay channel (one row) and the cursor of the last applied stream event. The cursor
-- lives beside the events' effects, so one transaction applies an event and moves the cursor.
CREATE TABLE relay_channel (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    mode        TEXT NOT NULL,              -- 'embedded' | 'remote'
    relay_url   TEXT NOT NULL,              -- base URL the desktop streams from
    channel_id  TEXT NOT NULL,
    hook_url    TEXT NOT NULL,              -- capability URL providers post to (secret)
    client_key  TEXT NOT NULL,              -- stream credential (secret)
    secret_key  BLOB NOT NULL,              -- channel X25519 secret key (secret)
    port        INTEGER,                    -- embedded mode: preferred loopback port
    cursor      INTEGER NOT NULL DEFAULT 0, -- highest relay seq applied here
    created_at  INTEGER NOT NULL
);

-- Every webhook that reached the desktop, with what was done with it. Provider event ids are unique
-- so a provider's retry of the same event is recognised even when the relay stored it twice.
CREATE TABLE webhook_events (
    seq               INTEGER PRIMARY KEY,  -- relay seq
    received_at       INTEGER NOT NULL,     -- relay receive time (ms), the reference for timestamp windows
    method            TEXT NOT NULL,
    path              TEXT NOT NULL,
    headers_json      TEXT NOT NULL,
    body              BLOB NOT NULL,
    provider_event_id TEXT UNIQUE,
    kind              TEXT NOT NULL,        -- 'self_test' | 'unhandled' | provider kinds later
    outcome           TEXT NOT NULL,        -- 'applied' | 'duplicate' | 'rejected'
    reason            TEXT,
    applied_at        INTEGER NOT NULL
);
CREATE INDEX webhook_events_kind ON webhook_events (kind, seq);
