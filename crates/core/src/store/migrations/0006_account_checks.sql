-- The last credential check of each account (the provider's cheapest authenticated call): when,
-- whether the provider accepted the credentials, and what it said. Never a secret.
ALTER TABLE accounts ADD COLUMN checked_at INTEGER;
ALTER TABLE accounts ADD COLUMN check_ok INTEGER;
ALTER TABLE accounts ADD COLUMN check_message TEXT;
