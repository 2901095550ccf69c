-- SendZen (seed 001). One settings row: where onboardings go (the embedded sandbox by default, or
-- SendZen's API with the partner key the user entered; the key is a secret and never leaves the
-- core). One link row per SendZen account: the client_identifier it was onboarded under (the
-- account id Wadesk chose) and the project and number SendZen reported.
CREATE TABLE sendzen_settings (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    mode             TEXT NOT NULL DEFAULT 'sandbox' CHECK (mode IN ('sandbox', 'partner')),
    partner_base_url TEXT,
    partner_key      TEXT
);
INSERT INTO sendzen_settings (id) VALUES (1);

CREATE TABLE sendzen_links (
    account_id        TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    client_identifier TEXT NOT NULL,
    project_id        TEXT,
    waba_id           TEXT,
    phone_number_id   TEXT,
    updated_at        INTEGER NOT NULL
);

-- One row per onboarding this install started (seed 001). client_identifier is the id of the
-- account it becomes (or replaces). api_key is the customer's key from user_data (a secret); it
-- moves to the account's credentials on completion. The iframe URL is good for an hour.
CREATE TABLE sendzen_onboardings (
    client_identifier TEXT PRIMARY KEY,
    mode              TEXT NOT NULL CHECK (mode IN ('sandbox', 'partner')),
    base_url          TEXT NOT NULL,
    project_id        TEXT NOT NULL,
    project_name      TEXT,
    api_key           TEXT NOT NULL,
    iframe_url        TEXT NOT NULL,
    iframe_expires_at INTEGER NOT NULL,
    webhook_valid     INTEGER NOT NULL,
    webhook_detail    TEXT,
    status            TEXT NOT NULL CHECK (status IN ('started', 'completed', 'failed')),
    failure_message   TEXT,
    account_id        TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    waba_id           TEXT,
    phone_number_id   TEXT,
    completed_via     TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX sendzen_onboardings_created ON sendzen_onboardings (created_at);
