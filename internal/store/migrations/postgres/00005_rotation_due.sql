-- +goose Up
-- A row per master key version that wrapped a patient data key since
-- destroyed (a withdrawal): that version must leave the key source, so a
-- backup's copy of the destroyed key can no longer be opened. The row is
-- written in the transaction that destroys the key (an insert, so two
-- withdrawals never contend for one row) and deleted once a rotation has
-- re-wrapped every data key above it and pruned it from the source.
-- While a row is left, the rotation is retried and readiness says so.
CREATE TABLE master_key_rotations_due (
    master_version INTEGER PRIMARY KEY CHECK (master_version > 0),
    since          TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE master_key_rotations_due;
