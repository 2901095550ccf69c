-- How a Crisp account's templates appear in the Crisp conversation (seed 004's crisp_options.type):
-- 'note' (the documented default: the inbox shows a private note with the template's name and
-- language) or 'text' (shown as a business message, with the filled text). No row: 'note'.
CREATE TABLE crisp_accounts (
    account_id   TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    message_type TEXT NOT NULL DEFAULT 'note' CHECK (message_type IN ('note', 'text'))
);
