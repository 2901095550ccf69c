-- Provider accounts and their credentials. Credentials live in their own table so that a list of
-- accounts can be read without touching secret columns, and removing an account removes them.
CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    provider     TEXT NOT NULL,
    display_name TEXT NOT NULL,
    base_url     TEXT NOT NULL,
    is_sandbox   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE account_credentials (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
);

-- Install-wide settings (key/value); values that are secrets are never kept here.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
