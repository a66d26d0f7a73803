-- +goose Up
-- Pairs (username, client address) that logged in successfully: the
-- login throttle lets them past account budgets and turns, on every
-- replica and after a restart. Only a keyed hash of the pair is kept
-- (never the address in clear), with the time of its last success.
CREATE TABLE login_trust (
    pair_hash    BLOB PRIMARY KEY,
    last_success TIMESTAMP NOT NULL
);
CREATE INDEX login_trust_last_success ON login_trust (last_success);

-- +goose Down
DROP TABLE login_trust;
