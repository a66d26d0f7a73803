package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"serenade/internal/domain"
	"serenade/internal/page"
	"serenade/internal/textfold"
)

// The doctors' order by surname (domain.ListFilter.NameKeys). Names are
// sealed per patient and no value that orders them is stored (an
// order-preserving one would tell a reader of the database the
// alphabetical order of the patients), so the order is made in memory
// from the names themselves. Opening every identity of the list on
// every request cost 2,000 unwraps and decryptions per page; instead
// each process keeps the folded names of every patient, sorted, at the
// identity revision (migration 00017) they were read at:
//
//   - A list reads the revision in its snapshot (one row). While it is
//     the cache's, the page is a binary search in the sorted names, and
//     only the page's entries are read; a filtered list reads the
//     entries it keeps, as every list does, and takes their names from
//     the cache. No identity is opened.
//   - Every statement that inserts, deletes or re-seals a patient bumps
//     the revision in its transaction, by trigger: an enrolment, an edit
//     of the names, a withdrawal's re-seal, a shred, a restore, whatever
//     writes them later. Another server process's write is seen at this
//     process's next list.
//   - A list that reads another revision brings the cache to it: it reads
//     every patient's identity version (the seal's nonce, new at every
//     sealing; none once shredded) and opens only the identities whose
//     version the cache does not hold, so an enrolment costs one opening,
//     not 2,000. Names of patients gone or shredded are dropped then.
//
// What the cache holds: the folded surname and first name of each
// patient (about 200 bytes each, TestNameCacheSize), for studies of at
// most nameCacheMax patients (beyond, lists open what they keep, as
// before). This process drops a patient's names as soon as it re-seals
// or shreds them, and every name once no list by name used the cache for
// nameCacheIdle (a timer, so an idle process forgets too). The database
// holds only a counter.
//
// The sizes are checked before any work they would make useless: the
// number of patients at a revision is remembered (the revision changes
// with every insert and delete), so a whole-study list over
// domain.NameSortMax is refused after one count, opening nothing and
// holding no lock while it counts; a study found too large to cache is
// not read again at the same revision, and at the next revision a count
// tells whether it still is before every identity version is read.

const (
	// nameCacheMax bounds the patients a cache is kept for.
	nameCacheMax = 1 << 15
	// nameCacheIdle is how long the names stay after their last use.
	nameCacheIdle = 5 * time.Minute
	// nameOpenBatch is how many identities one query reads.
	nameOpenBatch = 500
)

// nameCache is the folded names of every patient at one revision.
type nameCache struct {
	mu    sync.Mutex
	valid bool
	rev   int64
	m     map[int64]cachedName // patients with names, by id
	order []nameRow            // every patient, in the order by name; replaced, never changed
	used  time.Time            // last use (the idle sweep)
	timer *time.Timer
	// sized: the study had size patients at revision sizeRev (from a
	// count or from reading every identity version).
	sized   bool
	sizeRev int64
	size    int
	// cacheMax and sortMax replace nameCacheMax and domain.NameSortMax
	// when not 0 (tests).
	cacheMax, sortMax int
	// What the cache cost, for tests: counts of the patients, reads of
	// every identity version, and identities opened.
	counts, versionReads, opened atomic.Int64
}

func (c *nameCache) maxCached() int {
	if c.cacheMax > 0 {
		return c.cacheMax
	}
	return nameCacheMax
}

func (c *nameCache) maxSorted() int {
	if c.sortMax > 0 {
		return c.sortMax
	}
	return domain.NameSortMax
}

// cachedName is one patient's folded names at one identity version.
type cachedName struct {
	version     string
	last, first string
}

// nameRow is one patient in the order by name: "" names once shredded.
type nameRow struct {
	last, first string
	id          int64
}

func (r nameRow) key() []string { return []string{r.last, r.first, page.Int(r.id)} }

func compareRows(a, b nameRow) int {
	if c := strings.Compare(a.last, b.last); c != 0 {
		return c
	}
	if c := strings.Compare(a.first, b.first); c != 0 {
		return c
	}
	return cmp.Compare(a.id, b.id)
}

// errNoNameCache says the study is too large to cache its names.
var errNoNameCache = errors.New("no name cache")

// namePage is ListEntries with f.NameKeys: a page of at most f.Limit
// entries after f.AfterKey in the order by folded surname, first name,
// then id, each with that key.
func (db *DB) namePage(ctx context.Context, f domain.ListFilter, st statement[domain.ListEntry]) ([]domain.ListEntry, error) {
	var after *nameRow
	if f.AfterKey != nil {
		r, err := rowOfKey(f.AfterKey)
		if err != nil {
			return nil, err
		}
		after = &r
	}
	var out []domain.ListEntry
	err := db.inReadTx(ctx, "list by name", func(tx *sql.Tx) error {
		out = nil
		var rev int64
		if err := tx.QueryRowContext(ctx, `SELECT rev FROM identity_revision WHERE id = 1`).Scan(&rev); err != nil {
			return err
		}
		whole := wholeStudy(f)
		if whole {
			n, err := db.names.patients(ctx, tx, rev)
			if err != nil {
				return err
			}
			if n > db.names.maxSorted() { // refused before any identity is opened
				return domain.ErrNameSortTooMany
			}
			order, _, err := db.names.current(ctx, tx, db, rev)
			if err == nil {
				out, err = db.entriesOf(ctx, tx, pageOf(order, after, f.Limit))
				return err
			}
			if !errors.Is(err, errNoNameCache) {
				return err
			}
		}
		es, err := queryAll(ctx, tx, st.scan, st.query, st.args...)
		if err != nil {
			return err
		}
		if len(es) > db.names.maxSorted() { // refused before any identity is opened
			return domain.ErrNameSortTooMany
		}
		var names map[int64]cachedName
		if !whole {
			_, names, err = db.names.current(ctx, tx, db, rev)
			if err != nil && !errors.Is(err, errNoNameCache) {
				return err
			}
		}
		rows := make([]nameRow, len(es))
		var missing []int64
		for i, e := range es {
			rows[i].id = e.PatientID
			if n, ok := names[e.PatientID]; ok {
				rows[i].last, rows[i].first = n.last, n.first
			} else if names == nil && e.IdentityVersion != "" {
				missing = append(missing, e.PatientID)
			}
		}
		if len(missing) > 0 { // no cache: open what the list keeps
			opened, err := db.openNames(ctx, tx, missing)
			if err != nil {
				return err
			}
			for i := range rows {
				if n, ok := opened[rows[i].id]; ok {
					rows[i].last, rows[i].first = n.last, n.first
				}
			}
		}
		slices.SortFunc(rows, compareRows)
		rows = pageOf(rows, after, f.Limit)
		byID := make(map[int64]domain.ListEntry, len(es))
		for _, e := range es {
			byID[e.PatientID] = e
		}
		for _, r := range rows {
			e := byID[r.id]
			e.Key = r.key()
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// rowOfKey is the row a cursor's key names.
func rowOfKey(k []string) (nameRow, error) {
	if len(k) != 3 {
		return nameRow{}, page.ErrCursor
	}
	id, err := parseID(k[2])
	if err != nil {
		return nameRow{}, page.ErrCursor
	}
	return nameRow{last: k[0], first: k[1], id: id}, nil
}

// parseID reads page.Int's fixed-width id.
func parseID(s string) (int64, error) {
	var id int64
	if len(s) == 0 {
		return 0, errors.New("empty id")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("not an id")
		}
		id = id*10 + int64(c-'0')
	}
	return id, nil
}

// pageOf is at most limit rows of sorted after the row after (from the
// start when nil).
func pageOf(sorted []nameRow, after *nameRow, limit int) []nameRow {
	start := 0
	if after != nil {
		start, _ = slices.BinarySearchFunc(sorted, *after, func(r, a nameRow) int {
			if compareRows(r, a) <= 0 {
				return -1
			}
			return 1
		})
	}
	return sorted[start:min(start+limit, len(sorted))]
}

// entriesOf reads the list entries of rows, in their order, with their
// keys.
func (db *DB) entriesOf(ctx context.Context, tx *sql.Tx, rows []nameRow) ([]domain.ListEntry, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	st, err := db.listStatement(domain.ListFilter{Patients: ids})
	if err != nil {
		return nil, err
	}
	es, err := queryAll(ctx, tx, st.scan, st.query, st.args...)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]domain.ListEntry, len(es))
	for _, e := range es {
		byID[e.PatientID] = e
	}
	out := make([]domain.ListEntry, 0, len(rows))
	for _, r := range rows {
		if e, ok := byID[r.id]; ok {
			e.Key = r.key()
			out = append(out, e)
		}
	}
	return out, nil
}

// patients is the number of patients at revision rev (tx's snapshot's):
// the cache's when it is at rev, else a count, remembered for rev. The
// lock is not held while counting.
func (c *nameCache) patients(ctx context.Context, tx *sql.Tx, rev int64) (int, error) {
	c.mu.Lock()
	switch {
	case c.valid && c.rev == rev:
		n := len(c.order)
		c.mu.Unlock()
		return n, nil
	case c.sized && c.sizeRev == rev:
		n := c.size
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	n, err := c.count(ctx, tx)
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	c.sized, c.sizeRev, c.size = true, rev, n
	c.mu.Unlock()
	return n, nil
}

// count counts the patients in tx's snapshot.
func (c *nameCache) count(ctx context.Context, tx *sql.Tx) (int, error) {
	c.counts.Add(1)
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM patients`).Scan(&n)
	return n, err
}

// current is the cache at revision rev (tx's snapshot's), brought to it
// first if it was at another: every patient in the order by name, and
// the names of those who have any. The order is never changed in place,
// so it is read without the lock. errNoNameCache: the study is larger
// than nameCacheMax, which is remembered for rev; and when it was at the
// last revision seen, a count checks it still is before every identity
// version is read.
func (c *nameCache) current(ctx context.Context, tx *sql.Tx, db *DB, rev int64) ([]nameRow, map[int64]cachedName, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.used = time.Now()
	if c.valid && c.rev == rev {
		return c.order, c.m, nil
	}
	limit := c.maxCached()
	if c.sized && c.sizeRev != rev && c.size > limit { // too large at an earlier revision
		n, err := c.count(ctx, tx)
		if err != nil {
			return nil, nil, err
		}
		c.sizeRev, c.size = rev, n
	}
	if c.sized && c.sizeRev == rev && c.size > limit {
		return nil, nil, errNoNameCache
	}
	type version struct {
		id      int64
		version []byte
	}
	c.versionReads.Add(1)
	vs, err := queryAll(ctx, tx, func(s scanner) (version, error) {
		var v version
		return v, s.Scan(&v.id, &v.version)
	}, `SELECT id, substr(sealed, 1, 13) FROM patients`)
	if err != nil {
		return nil, nil, err
	}
	c.sized, c.sizeRev, c.size = true, rev, len(vs)
	if len(vs) > limit {
		c.drop()
		return nil, nil, errNoNameCache
	}
	m := make(map[int64]cachedName, len(vs))
	var missing []int64
	for _, v := range vs {
		if v.version == nil { // shredded: no names
			continue
		}
		if n, ok := c.m[v.id]; ok && n.version == string(v.version) {
			m[v.id] = n
		} else {
			missing = append(missing, v.id)
		}
	}
	opened, err := db.openNames(ctx, tx, missing)
	if err != nil {
		return nil, nil, err
	}
	maps.Copy(m, opened)
	ids := make([]int64, len(vs))
	for i, v := range vs {
		ids[i] = v.id
	}
	order := sortedRows(ids, m)
	c.valid, c.rev, c.m, c.order = true, rev, m, order
	if c.timer == nil {
		c.timer = time.AfterFunc(nameCacheIdle, c.sweep)
	}
	return order, m, nil
}

// sortedRows is the patients ids in the order by name, with the names
// m holds ("" for those it has none of).
func sortedRows(ids []int64, m map[int64]cachedName) []nameRow {
	order := make([]nameRow, len(ids))
	for i, id := range ids {
		n := m[id]
		order[i] = nameRow{last: n.last, first: n.first, id: id}
	}
	slices.SortFunc(order, compareRows)
	return order
}

// openNames opens the identities of ids and returns their folded names
// with the version each was opened at.
func (db *DB) openNames(ctx context.Context, tx *sql.Tx, ids []int64) (map[int64]cachedName, error) {
	out := make(map[int64]cachedName, len(ids))
	for start := 0; start < len(ids); start += nameOpenBatch {
		in, args := inList(ids[start:min(start+nameOpenBatch, len(ids))])
		rows, err := queryAll(ctx, tx, scanPatientWithKey, patientRead+` WHERE p.id IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if len(r.sealed) < 13 {
				continue
			}
			db.names.opened.Add(1)
			p, err := db.decryptPatient(ctx, tx, r, nil)
			if err != nil {
				return nil, err
			}
			out[r.id] = cachedName{version: string(r.sealed[:13]), last: textfold.Fold(p.Identity.LastName),
				first: textfold.Fold(p.Identity.FirstName)}
		}
	}
	return out, nil
}

// sweep drops the names once no list used them for nameCacheIdle.
func (c *nameCache) sweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer == nil { // dropped meanwhile
		return
	}
	if idle := time.Since(c.used); idle < nameCacheIdle {
		c.timer.Reset(nameCacheIdle - idle)
		return
	}
	c.drop()
}

// drop empties the cache and stops the sweep; c.mu is held.
func (c *nameCache) drop() {
	c.valid, c.m, c.order = false, nil, nil
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
}

// forget drops a patient's names, which this process is re-sealing or
// shredding: the cache is rebuilt at the next list, opening only what
// changed.
func (c *nameCache) forget(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; ok {
		c.m, c.order, c.valid = maps.Clone(c.m), nil, false
		delete(c.m, id)
	}
}

// reset drops every name and the remembered size (the store closes).
func (c *nameCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop()
	c.sized = false
}

// wholeStudy reports whether f keeps every patient of the study. The
// fields that only order or page the list are cleared and what remains
// must be the zero filter, so a filter added to domain.ListFilter later
// turns the whole-study shortcut off rather than being ignored by it
// (TestWholeStudyFields).
func wholeStudy(f domain.ListFilter) bool {
	f.Order, f.ByInstallation, f.After, f.Limit = "", false, nil, 0
	f.Role, f.HeadCut, f.AfterKey, f.NameKeys = "", "", nil, false
	return reflect.DeepEqual(f, domain.ListFilter{})
}
