package store

// What the external tests need to write rows as older code did.

// TokenWord and TokenName are the blind index's name purposes.
const (
	TokenWord = tokenWord
	TokenName = tokenName
)

// BlindToken is the blind-index token of a purpose and a folded value.
func (db *DB) BlindToken(purpose, value string) []byte { return db.token(purpose, value) }
