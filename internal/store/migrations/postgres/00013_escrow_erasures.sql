-- +goose Up
-- A row per patient data key destroyed (withdrawal, and the shred when
-- the kit is back) whose escrow key must leave the escrow key file, so
-- that no backup's copy of that data key can be opened any more. It is
-- written in the transaction that destroys the key and deleted once the
-- escrow entry is gone; until then the erasure is retried with the
-- master key rotation that follows every withdrawal.
CREATE TABLE escrow_erasures_due (
    data_key_id BIGINT PRIMARY KEY CHECK (data_key_id > 0),
    since       TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE escrow_erasures_due;
