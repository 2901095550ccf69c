-- The install's loopback identity key: 32 random bytes that only processes which unlocked this
-- store know. A process checks that a service on a remembered loopback port (the embedded relay or
-- sandbox hosted by another Wadesk process) proves it holds this key before sending it a secret.
-- Made on first use; INSERT OR IGNORE on the single row makes concurrent first uses agree.
CREATE TABLE loopback_identity (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32)   -- secret
);
