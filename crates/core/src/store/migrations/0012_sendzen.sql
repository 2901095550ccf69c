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
