-- 360dialog (seed 003, self-hosted Embedded Signup). One settings row: where onboardings go (the
-- embedded sandbox by default, or 360dialog's Partner Hub with the partner's ids and API key; the
-- key and the partner webhook's signing secret are secrets and never leave the core).
CREATE TABLE d360_settings (
    id                     INTEGER PRIMARY KEY CHECK (id = 1),
    mode                   TEXT NOT NULL DEFAULT 'sandbox' CHECK (mode IN ('sandbox', 'partner')),
    hub_url                TEXT,
    messaging_url          TEXT,
    partner_id             TEXT,
    partner_key            TEXT,
    solution_id            TEXT,
    default_tier           TEXT NOT NULL DEFAULT 'regular' CHECK (default_tier IN ('basic', 'regular', 'premium')),
    meta_app_id            TEXT,
    meta_config_id         TEXT,
    route_partner_events   INTEGER NOT NULL DEFAULT 1,
    partner_signing_secret TEXT
);
INSERT INTO d360_settings (id) VALUES (1);

-- The 360dialog clients this install created (step 1 of seed 003), reused by email per partner.
CREATE TABLE d360_clients (
    partner_id TEXT NOT NULL,
    email      TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (partner_id, email)
);

-- One row per onboarding: its id is the id of the account it becomes. `state` binds the host
-- page's messages to it. Stages only move forward, except a retry after a cancelled or failed
-- signup, which starts the signup again with a new state.
CREATE TABLE d360_onboardings (
    id              TEXT PRIMARY KEY,
    mode            TEXT NOT NULL CHECK (mode IN ('sandbox', 'partner')),
    partner_id      TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    client_name     TEXT NOT NULL,
    tier            TEXT NOT NULL CHECK (tier IN ('basic', 'regular', 'premium')),
    state           TEXT NOT NULL,
    host_url        TEXT NOT NULL,
    stage           TEXT NOT NULL,
    stage_detail    TEXT,
    waba_id         TEXT,
    phone_number_id TEXT,
    business_id     TEXT,
    channel_id      TEXT,
    phone_number    TEXT,
    account_id      TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX d360_onboardings_created ON d360_onboardings (created_at);
CREATE INDEX d360_onboardings_channel ON d360_onboardings (channel_id);
CREATE INDEX d360_onboardings_waba ON d360_onboardings (waba_id);

-- What links a 360dialog account to its channel.
CREATE TABLE d360_links (
    account_id      TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    partner_id      TEXT NOT NULL,
    client_id       TEXT NOT NULL,
    channel_id      TEXT NOT NULL,
    waba_id         TEXT,
    phone_number_id TEXT,
    updated_at      INTEGER NOT NULL
);
