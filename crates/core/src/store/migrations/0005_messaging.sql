-- Messaging (seed 000, "Quick Start"): per-account webhook and sync health, the template cache,
-- outbound messages with every status event, and inbound messages.

-- One row per account that has done anything messaging. The registered hook URL is a capability,
-- so only its SHA-256 is kept: enough to tell whether the provider has this install's current one.
CREATE TABLE account_messaging (
    account_id            TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    business_number       TEXT,     -- the account's connected WhatsApp number, as the admin set it
    webhook_url_sha256    TEXT,
    webhook_registered_at INTEGER,
    webhook_error         TEXT,
    last_event_at         INTEGER,
    templates_synced_at   INTEGER,
    templates_error       TEXT
);

-- The last successful /getHSM answer of each account, replaced as a whole on every sync.
CREATE TABLE templates (
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id           TEXT NOT NULL,     -- template id, or 'unparsed-<hash>' for one that does not parse
    position     INTEGER NOT NULL,  -- order in the provider's answer
    category     TEXT NOT NULL,
    media        TEXT NOT NULL,
    raw          TEXT NOT NULL,     -- the send syntax exactly as received
    body         TEXT NOT NULL,
    placeholders TEXT NOT NULL,     -- JSON array of numbers, in order of first appearance
    problem      TEXT,              -- why it cannot be sent; NULL when usable
    synced_at    INTEGER NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- One row per send attempt. Written before the provider is called; status only moves forward
-- (status_rank, see messaging/status.rs).
CREATE TABLE messages (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    destination         TEXT NOT NULL,
    kind                TEXT NOT NULL,     -- 'text' | 'template'
    template_id         TEXT,
    body                TEXT NOT NULL,     -- what the customer reads
    payload             TEXT NOT NULL,     -- exactly what went out as payload.message
    status              TEXT NOT NULL,
    status_rank         INTEGER NOT NULL,
    provider_message_id TEXT,
    wamid               TEXT,
    failure_code        INTEGER,
    failure_reason      TEXT,
    retry_of            TEXT REFERENCES messages(id) ON DELETE SET NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX messages_created ON messages (created_at DESC);
CREATE INDEX messages_account_created ON messages (account_id, created_at DESC);
CREATE UNIQUE INDEX messages_provider_id ON messages (account_id, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX messages_wamid ON messages (account_id, wamid) WHERE wamid IS NOT NULL;

-- Every status event, applied or not. message_id is NULL for an event that matched no message
-- (yet): note says why, provider_ref holds the id it carried, and a later submit adopts it.
CREATE TABLE message_events (
    id           INTEGER PRIMARY KEY,
    message_id   TEXT REFERENCES messages(id) ON DELETE CASCADE,
    account_id   TEXT,
    webhook_seq  INTEGER,             -- the webhook_events row it came in (NULL: local event)
    status       TEXT NOT NULL,
    at           INTEGER NOT NULL,    -- provider timestamp (ms) or local clock
    received_at  INTEGER NOT NULL,
    code         INTEGER,
    reason       TEXT,
    advanced     INTEGER NOT NULL,
    provider_ref TEXT,
    gs_id        TEXT,
    destination  TEXT,
    note         TEXT
);
CREATE INDEX message_events_message ON message_events (message_id, id);
CREATE INDEX message_events_orphans ON message_events (account_id, provider_ref) WHERE message_id IS NULL;

-- Inbound customer messages (the inbox screen comes with the conversations issue).
CREATE TABLE inbound_messages (
    id           INTEGER PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    provider_id  TEXT NOT NULL,
    source       TEXT NOT NULL,     -- customer number
    type         TEXT NOT NULL,
    text         TEXT,              -- text, caption or title, when the type has one
    payload_json TEXT NOT NULL,     -- the event's payload.payload as received
    sender_name  TEXT,
    at           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    webhook_seq  INTEGER,
    UNIQUE (account_id, provider_id)
);
CREATE INDEX inbound_messages_source ON inbound_messages (account_id, source, at);
