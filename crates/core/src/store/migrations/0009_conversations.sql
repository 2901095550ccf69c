-- Conversations (issue 11): one per account and customer number, holding that customer's inbound
-- messages and every outbound message to them (single sends, bulk sends, replies) in one timeline,
-- and the full-text indexes behind search.

-- The customer's number normalised with the contacts rule (contacts/phone.rs), so the same
-- customer is one conversation and links to one contact whatever format the provider used.
ALTER TABLE inbound_messages ADD COLUMN customer TEXT;
UPDATE inbound_messages SET customer = source;

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    customer        TEXT NOT NULL,     -- international digits without '+', as contacts.phone
    profile_name    TEXT,              -- the WhatsApp profile name the customer's last message carried
    last_inbound_at INTEGER,           -- the customer's last message (provider time): opens the window
    last_at         INTEGER NOT NULL,  -- the newest item, for ordering
    last_item_id    INTEGER,           -- the newest item, for the preview
    unread          INTEGER NOT NULL DEFAULT 0,
    read_at         INTEGER,
    UNIQUE (account_id, customer)
);
CREATE INDEX conversations_recent ON conversations (account_id, last_at DESC, id DESC);

-- One row per message in a timeline: exactly one of inbound_id / message_id is set. `text` is what
-- search finds (text, caption, file name, reply title, contact card names).
CREATE TABLE conversation_items (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    at              INTEGER NOT NULL,
    inbound_id      INTEGER UNIQUE REFERENCES inbound_messages(id) ON DELETE CASCADE,
    message_id      TEXT UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
    text            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX conversation_items_timeline ON conversation_items (conversation_id, at, id);

-- Trigram indexes: a part of a word or of a number matches, in any script, with no age limit.
CREATE VIRTUAL TABLE message_search USING fts5(
    text, content = 'conversation_items', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER conversation_items_indexed AFTER INSERT ON conversation_items BEGIN
    INSERT INTO message_search (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER conversation_items_unindexed AFTER DELETE ON conversation_items BEGIN
    INSERT INTO message_search (message_search, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE VIRTUAL TABLE conversation_search USING fts5(
    customer, profile_name, content = 'conversations', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER conversations_indexed AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_search (rowid, customer, profile_name) VALUES (new.id, new.customer, new.profile_name);
END;
CREATE TRIGGER conversations_reindexed AFTER UPDATE OF profile_name ON conversations
WHEN old.profile_name IS NOT new.profile_name BEGIN
    INSERT INTO conversation_search (conversation_search, rowid, customer, profile_name)
        VALUES ('delete', old.id, old.customer, old.profile_name);
    INSERT INTO conversation_search (rowid, customer, profile_name) VALUES (new.id, new.customer, new.profile_name);
END;
CREATE TRIGGER conversations_unindexed AFTER DELETE ON conversations BEGIN
    INSERT INTO conversation_search (conversation_search, rowid, customer, profile_name)
        VALUES ('delete', old.id, old.customer, old.profile_name);
END;

CREATE VIRTUAL TABLE contact_search USING fts5(
    phone, name, first_name, content = 'contacts', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER contacts_indexed AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_search (rowid, phone, name, first_name) VALUES (new.id, new.phone, new.name, new.first_name);
END;
CREATE TRIGGER contacts_reindexed AFTER UPDATE OF phone, name, first_name ON contacts BEGIN
    INSERT INTO contact_search (contact_search, rowid, phone, name, first_name)
        VALUES ('delete', old.id, old.phone, old.name, old.first_name);
    INSERT INTO contact_search (rowid, phone, name, first_name) VALUES (new.id, new.phone, new.name, new.first_name);
END;
CREATE TRIGGER contacts_unindexed AFTER DELETE ON contacts BEGIN
    INSERT INTO contact_search (contact_search, rowid, phone, name, first_name)
        VALUES ('delete', old.id, old.phone, old.name, old.first_name);
END;

-- Replies an agent inserts with `/`: `{{name}}`, `{{first_name}}`, `{{phone}}` and custom contact
-- fields are filled from the conversation's contact.
CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    shortcut   TEXT NOT NULL UNIQUE COLLATE NOCASE,
    text       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- What was stored before this migration, as conversations: inbound by customer, outbound by
-- destination (both already international digits).
INSERT INTO conversations (account_id, customer, profile_name, last_inbound_at, last_at)
SELECT account_id, customer,
       (SELECT sender_name FROM inbound_messages l WHERE l.account_id = t.account_id AND l.customer = t.customer
         ORDER BY at DESC LIMIT 1),
       max(inbound_at), max(at)
FROM (SELECT account_id, customer, at, at AS inbound_at FROM inbound_messages
      UNION ALL SELECT account_id, destination, created_at, NULL FROM messages) t
GROUP BY account_id, customer;
INSERT INTO conversation_items (conversation_id, at, inbound_id, text)
SELECT c.id, i.at, i.id, coalesce(i.text, '') FROM inbound_messages i
JOIN conversations c ON c.account_id = i.account_id AND c.customer = i.customer;
INSERT INTO conversation_items (conversation_id, at, message_id, text)
SELECT c.id, m.created_at, m.id, m.body FROM messages m
JOIN conversations c ON c.account_id = m.account_id AND c.customer = m.destination;
UPDATE conversations SET last_item_id =
    (SELECT id FROM conversation_items WHERE conversation_id = conversations.id ORDER BY at DESC, id DESC LIMIT 1);
INSERT INTO contact_search (contact_search) VALUES ('rebuild');
