-- ChatArchitect embedded registration (seed 000). One settings row says which partner endpoint
-- registrations go to: the in-process sandbox (default; its partner token is random per install) or
-- the real registration domain with the partner token the user entered. Tokens are secrets and never
-- leave the core.
CREATE TABLE registration_settings (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    mode                  TEXT NOT NULL DEFAULT 'sandbox',  -- 'sandbox' | 'partner'
    partner_base_url      TEXT,                             -- registration domain (partner mode)
    partner_token         TEXT,                             -- Bearer + HMAC secret (partner mode; secret)
    sandbox_partner_token TEXT NOT NULL,                    -- the embedded sandbox's token (secret)
    sandbox_port          INTEGER                           -- preferred loopback port of the embedded sandbox
);

-- One row per registration session this install created. partner_state is the nonce the webhook
-- must echo; mode records which endpoint (and so which token) the session belongs to.
CREATE TABLE registrations (
    registration_id TEXT PRIMARY KEY,
    mode            TEXT NOT NULL,            -- 'sandbox' | 'partner'
    base_url        TEXT NOT NULL,            -- the registration domain the session lives on
    parent_origin   TEXT NOT NULL,
    partner_state   TEXT NOT NULL,            -- secret-ish nonce, compared in constant time
    partner_user_id TEXT NOT NULL,
    integration     TEXT NOT NULL,
    lang            TEXT NOT NULL,
    iframe_url      TEXT NOT NULL,
    status          TEXT NOT NULL,            -- seed statuses, plus 'completed'
    expires_at      TEXT NOT NULL,
    account_id      TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    app_id          TEXT,                     -- set on completion (the secret lives in account_credentials)
    phone           TEXT,
    completed_at    TEXT,
    completed_via   TEXT,                     -- 'webhook' | 'result'
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX registrations_created ON registrations (created_at);
