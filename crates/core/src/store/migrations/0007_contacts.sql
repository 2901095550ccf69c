-- Contacts (issue 10): the people a bulk send goes to. One row per phone number in international
-- digits without '+', so the same customer can never be two contacts (PEERS.md #8).
CREATE TABLE contacts (
    id             INTEGER PRIMARY KEY,
    phone          TEXT NOT NULL UNIQUE,
    name           TEXT,
    first_name     TEXT,
    fields_json    TEXT NOT NULL DEFAULT '{}',  -- custom fields: a JSON object of strings
    opted_out_at   INTEGER,                     -- NULL: not opted out
    opt_out_source TEXT,                        -- 'manual' | 'import' | 'reply'
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX contacts_name ON contacts (name COLLATE NOCASE);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (contact_id, tag)
) WITHOUT ROWID;
CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);

-- The column mapping of an import, saved under the file's normalised header row, so the next file
-- with the same columns is mapped the same way.
CREATE TABLE contact_import_mappings (
    header_signature TEXT PRIMARY KEY,
    mapping_json     TEXT NOT NULL,
    saved_at         INTEGER NOT NULL
);
