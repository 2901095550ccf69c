-- wadesk-relay on PostgreSQL, schema 1: channels, events, and the shared seq floor.
-- Applied by crates/relay/src/pg_store/schema.rs under an advisory lock, recorded in
-- relay_schema_migrations.

-- Instance-wide values. `seq_floor`: the wall clock in microseconds at the latest instance start
-- (each start raises it, never lowers it); see the store contract in crates/relay/src/store.rs.
CREATE TABLE relay_meta (
    key   text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO relay_meta (key, value) VALUES ('seq_floor', 0);

-- One row per channel. `head_seq` is the channel's committed head: appends allocate seqs by
-- updating it inside their transaction, with the row locked, so seq N+1 can never commit before N.
-- `seq_floor` is 0 for a channel created since the latest instance start, else that start's floor.
CREATE TABLE channels (
    no          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text   NOT NULL UNIQUE,
    label       text   NOT NULL,
    public_key  bytea  NOT NULL,
    hook_hash   bytea  NOT NULL UNIQUE,
    client_hash bytea  NOT NULL UNIQUE,
    head_seq    bigint NOT NULL DEFAULT 0,
    acked_seq   bigint NOT NULL DEFAULT 0,
    seq_floor   bigint NOT NULL DEFAULT 0,
    created_at  bigint NOT NULL
);

-- Sealed events. Sealed bytes do not compress, so TOAST keeps them uncompressed (EXTERNAL): no
-- CPU spent on a compression attempt that cannot win.
CREATE TABLE events (
    chan        bigint NOT NULL,
    seq         bigint NOT NULL,
    received_at bigint NOT NULL,
    sealed      bytea  NOT NULL,
    PRIMARY KEY (chan, seq)
);
ALTER TABLE events ALTER COLUMN sealed SET STORAGE EXTERNAL;
