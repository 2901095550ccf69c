-- Crisp WhatsApp plugin (seed 004): one row per callback taken, by the send's request_id. A
-- success names the Crisp conversation (session_id) and the WhatsApp message; a failure keeps
-- Crisp's words. A second callback for the same request is a duplicate.
CREATE TABLE crisp_callbacks (
    account_id          TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    request_id          TEXT NOT NULL,
    success             INTEGER NOT NULL,
    session_id          TEXT,
    crisp_fingerprint   TEXT,
    whatsapp_message_id TEXT,
    message             TEXT,
    received_at         INTEGER NOT NULL,
    PRIMARY KEY (account_id, request_id)
);
