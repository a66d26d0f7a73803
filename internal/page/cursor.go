package page

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"serenade/internal/keyring"
)

// Cursors seal page keys into opaque cursors. A cursor is
// base64url(nonce ‖ AES-256-GCM(position)) under a key derived from the
// server's pseudonym key, with the caller (its subject and roles) as
// associated data: it carries a row's sort key (an id, a pseudonym, a
// shown time) that nobody reads, a fresh nonce makes two cursors of one
// position unrelated, and a cursor opens only for the caller it was
// given to, and only for the list, sort and filter it was made for, for
// Lifetime after it was given (the time it was sealed travels inside).
type Cursors struct {
	aead cipher.AEAD
	now  func() time.Time
}

// Lifetime is how long a cursor opens after it was given: long enough
// to page through any list at a reading pace, short enough that a cursor
// copied into a log, a bookmark or a browser history soon stops opening
// (it carries a row's sort key, sealed).
const Lifetime = time.Hour

// NewCursors derives the cursor key from the server's pseudonym key; now
// is the server's clock (nil: time.Now).
func NewCursors(serverKey keyring.Key, now func() time.Time) *Cursors {
	if now == nil {
		now = time.Now
	}
	m := hmac.New(sha256.New, serverKey[:])
	// The label names the layout of the positions sealed: a change of
	// what a list's keys hold (v2: the stored heads of migration 00015)
	// changes it, so that a cursor given before an upgrade no longer
	// opens (422, the client starts the list again) instead of opening
	// with keys of the old layout and returning a wrong page.
	m.Write([]byte("serenade/cursor/v2"))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		panic(err) // unreachable: SHA-256 gives an AES-256 key
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err) // unreachable: standard sizes
	}
	return &Cursors{aead: aead, now: now}
}

// Position is where a page ends: the list (its operation), the sort and
// the filter it was read with, and the last row's key.
type Position struct {
	List, Sort, Filter string
	Key                Key
}

// sealed is a Position as sealed: the filter only as a hash, so a search
// for a name is not carried along even encrypted.
type sealed struct {
	List   string `json:"l"`
	Sort   string `json:"s"`
	Filter string `json:"f"`
	Key    Key    `json:"k"`
	At     int64  `json:"t"` // when it was sealed, in Unix seconds
}

func filterHash(f string) string {
	h := sha256.Sum256([]byte(f))
	return hex.EncodeToString(h[:12])
}

// ErrCursor is a cursor that is not one of this caller's for this list,
// sort and filter: malformed, forged, another caller's or role's, or
// made for another list, sort or filter.
var ErrCursor = errors.New("is not a cursor of this list, sort and filter for you: start again without it")

// ErrCursorExpired is a cursor of the caller's older than Lifetime.
var ErrCursorExpired = fmt.Errorf("has expired (a cursor opens for %v after it was given): start again without it", Lifetime)

// Seal returns the opaque cursor of pos for owner.
func (c *Cursors) Seal(owner string, pos Position) string {
	plain, _ := json.Marshal(sealed{List: pos.List, Sort: pos.Sort, Filter: filterHash(pos.Filter), Key: pos.Key, At: c.now().Unix()}) // strings only: cannot fail
	nonce := make([]byte, c.aead.NonceSize(), c.aead.NonceSize()+len(plain)+c.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err) // the OS RNG never fails on Linux ≥3.17
	}
	return base64.RawURLEncoding.EncodeToString(c.aead.Seal(nonce, nonce, plain, []byte(owner)))
}

// Open returns the key a cursor carries when it was sealed for owner
// with the list, sort and filter of want; ErrCursorExpired when that was
// more than Lifetime ago, ErrCursor for any other cursor.
func (c *Cursors) Open(owner, cursor string, want Position) (Key, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(raw) < c.aead.NonceSize() {
		return nil, ErrCursor
	}
	n := c.aead.NonceSize()
	plain, err := c.aead.Open(nil, raw[:n], raw[n:], []byte(owner))
	if err != nil {
		return nil, ErrCursor
	}
	var s sealed
	if json.Unmarshal(plain, &s) != nil || s.List != want.List || s.Sort != want.Sort || s.Filter != filterHash(want.Filter) || len(s.Key) == 0 {
		return nil, ErrCursor
	}
	if c.now().Sub(time.Unix(s.At, 0)) > Lifetime {
		return nil, ErrCursorExpired
	}
	return s.Key, nil
}
