-- Bulk sends (issue 10): campaigns, each recipient's rendered message, and the saved variable
-- mapping of each template. A recipient row is written, with its idempotency key, in the same
-- transaction that starts the campaign; its message row is written before the provider is called.

-- The variable mapping last used for a template, per account: the next campaign starts from it.
CREATE TABLE template_mappings (
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    template_id  TEXT NOT NULL,
    mapping_json TEXT NOT NULL,
    saved_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, template_id)
);

CREATE TABLE campaigns (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    template_id      TEXT NOT NULL,
    audience_json    TEXT NOT NULL,
    mapping_json     TEXT NOT NULL,
    rate_per_second  REAL NOT NULL,
    scheduled_at     INTEGER,            -- NULL: starts when asked
    state            TEXT NOT NULL,      -- draft | scheduled | running | paused | cancelled | done
    template_raw     TEXT,               -- the template as frozen at start
    template_category TEXT,
    waiting          TEXT,               -- why the sender is holding back now (rate limit), or NULL
    rate_limited     INTEGER NOT NULL DEFAULT 0,  -- calls the provider answered 429
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX campaigns_created ON campaigns (created_at DESC);

-- Contacts the admin excluded from a campaign while fixing its dry run.
CREATE TABLE campaign_exclusions (
    campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, contact_id)
) WITHOUT ROWID;

-- One row per recipient, frozen at start. state: queued (waiting) | sending (its message row is
-- pending and the call may be in flight) | done (the provider answered; the message's status says
-- how) | uncertain (the call's fate is unknown: the admin resends or drops it) | dropped | cancelled.
CREATE TABLE campaign_recipients (
    campaign_id     TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    contact_id      INTEGER,
    phone           TEXT NOT NULL,
    name            TEXT,
    body            TEXT NOT NULL,      -- what the customer reads
    payload         TEXT NOT NULL,      -- exactly what goes out
    idempotency_key TEXT NOT NULL UNIQUE,
    attempt         INTEGER NOT NULL DEFAULT 1,
    state           TEXT NOT NULL,
    message_id      TEXT REFERENCES messages(id) ON DELETE SET NULL,
    tries           INTEGER NOT NULL DEFAULT 0,   -- calls refused with 429/5xx for this attempt
    not_before      INTEGER,                      -- backoff: not sent before this time (ms)
    last_error      TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, position)
) WITHOUT ROWID;
CREATE INDEX campaign_recipients_state ON campaign_recipients (campaign_id, state, position);
CREATE INDEX campaign_recipients_message ON campaign_recipients (message_id) WHERE message_id IS NOT NULL;

-- Bulk messages show in the send history like every other; this says which campaign sent one.
ALTER TABLE messages ADD COLUMN campaign_id TEXT REFERENCES campaigns(id) ON DELETE SET NULL;
CREATE INDEX messages_campaign ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;
