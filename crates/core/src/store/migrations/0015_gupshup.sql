-- Gupshup Tech Partner linking (seed 002). One settings row: the partner URL and the partner token
-- (a secret; it expires after 24 hours, PROVIDERS.md §3), or the embedded sandbox.
CREATE TABLE gupshup_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    mode          TEXT NOT NULL DEFAULT 'sandbox' CHECK (mode IN ('sandbox', 'partner')),
    partner_url   TEXT,
    partner_token TEXT,
    token_set_at  INTEGER
);
INSERT INTO gupshup_settings (id) VALUES (1);

-- One row per linked app: its id is the account it becomes. The app token and the hook secret are
-- secrets. The pipeline's last answer is kept as reported; `live` is set by the live event.
CREATE TABLE gupshup_links (
    id               TEXT PRIMARY KEY,
    mode             TEXT NOT NULL CHECK (mode IN ('sandbox', 'partner')),
    partner_url      TEXT NOT NULL,
    app_name         TEXT NOT NULL,
    waba_id          TEXT NOT NULL,
    phone            TEXT NOT NULL,
    app_id           TEXT NOT NULL,
    app_token        TEXT,
    hook_secret      TEXT NOT NULL,
    pipeline_json    TEXT,
    pipeline_error   INTEGER NOT NULL DEFAULT 0,
    live             INTEGER NOT NULL DEFAULT 0,
    subscription_id  TEXT,
    account_id       TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    last_error       TEXT,
    polls            INTEGER NOT NULL DEFAULT 0,
    next_poll_at     INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX gupshup_links_app ON gupshup_links (app_id);
