package store

// SetNameCacheLimits replaces, for this store, the patients its name
// cache is kept for and the patients a list by name sorts (0: the
// defaults, nameCacheMax and domain.NameSortMax), so that tests reach
// the limits with a few patients. Call it before the store is used
// concurrently.
func (db *DB) SetNameCacheLimits(cached, sorted int) {
	db.names.mu.Lock()
	defer db.names.mu.Unlock()
	db.names.cacheMax, db.names.sortMax = cached, sorted
}

// NameCacheCost is what the order by name cost this store so far.
type NameCacheCost struct {
	Counts       int64 // counts of the patients
	VersionReads int64 // reads of every patient's identity version
	Opened       int64 // identities opened
}

// NameCacheCost is what the order by name cost this store so far.
func (db *DB) NameCacheCost() NameCacheCost {
	return NameCacheCost{Counts: db.names.counts.Load(), VersionReads: db.names.versionReads.Load(), Opened: db.names.opened.Load()}
}
