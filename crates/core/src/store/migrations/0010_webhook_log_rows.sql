-- The webhook log keyed by a row id of its own instead of the relay seq (issue 12).
--
-- Seqs belong to one relay channel, and a new channel (`relay use-remote`, `relay use-embedded`)
-- counts from 1 again. With the seq as the primary key, an event whose seq an earlier channel had
-- already used still took effect, but its log row was dropped by INSERT OR IGNORE — and the
-- self-test and the provider-retry check look for that row. Exactly-once needs no key here: the
-- cursor check in the same transaction skips a redelivered event.
CREATE TABLE webhook_events_v2 (
    id                INTEGER PRIMARY KEY,
    seq               INTEGER NOT NULL,     -- relay seq, within the channel of the time
    received_at       INTEGER NOT NULL,     -- relay receive time (ms), the reference for timestamp windows
    method            TEXT NOT NULL,
    path              TEXT NOT NULL,
    headers_json      TEXT NOT NULL,
    body              BLOB NOT NULL,
    provider_event_id TEXT UNIQUE,
    kind              TEXT NOT NULL,        -- 'self_test' | 'unhandled' | 'ca_registration' | 'ca_message' | 'unreadable'
    outcome           TEXT NOT NULL,        -- 'applied' | 'duplicate' | 'rejected'
    reason            TEXT,
    applied_at        INTEGER NOT NULL
);
INSERT INTO webhook_events_v2 (seq, received_at, method, path, headers_json, body, provider_event_id, kind, outcome,
                               reason, applied_at)
    SELECT seq, received_at, method, path, headers_json, body, provider_event_id, kind, outcome, reason, applied_at
    FROM webhook_events ORDER BY seq;
DROP TABLE webhook_events;
ALTER TABLE webhook_events_v2 RENAME TO webhook_events;
CREATE INDEX webhook_events_kind ON webhook_events (kind, seq);
