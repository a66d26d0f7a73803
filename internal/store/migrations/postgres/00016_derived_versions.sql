-- +goose Up
-- The version of the rules each kind of stored derived value was
-- computed under (store/derived.go): the blind index of searches
-- (patient_tokens, from the folded names) and the sort keys (sort_keys,
-- from the folded nickname of the list in force). A store that opens
-- with other rules than those recorded recomputes every value of that
-- kind and records the new version, in one transaction. No row yet:
-- everything is recomputed once, at the first start after this.
CREATE TABLE derived_versions (
    name    TEXT PRIMARY KEY,
    version TEXT NOT NULL
);

-- +goose Down
DROP TABLE derived_versions;
