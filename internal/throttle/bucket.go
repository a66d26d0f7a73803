package throttle

import (
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// bucket is a token bucket of failures, refilled lazily: a few bytes,
// where a rate.Limiter with its mutex is several times that, for each
// of tens of thousands of entries. nextTurn is the first account turn
// not yet reserved (see accountTurn).
type bucket struct {
	tokens   float64
	at       int64 // unix ns of the last refill
	nextTurn int64
}

// refilled returns b refilled up to now.
func refilled(b bucket, burst int, refill time.Duration, now int64) bucket {
	if now > b.at {
		b.tokens = min(float64(burst), b.tokens+float64(now-b.at)/float64(refill))
		b.at = now
	}
	return b
}

// level returns the bucket of k refilled up to now (a missing bucket is
// full).
func level(l *simplelru.LRU[key, bucket], k key, burst int, refill time.Duration, now int64) bucket {
	b, ok := l.Get(k)
	if !ok {
		return bucket{tokens: float64(burst), at: now}
	}
	return refilled(b, burst, refill, now)
}

// empty reports whether the bucket holds less than one failure.
func (t *Throttle) empty(l *simplelru.LRU[key, bucket], k key, burst int, refill time.Duration, now int64) bool {
	return level(l, k, burst, refill, now).tokens < 1
}

// spend takes one failure from the bucket, leaving no less than floor.
func (t *Throttle) spend(l *simplelru.LRU[key, bucket], k key, burst int, refill time.Duration, now int64, floor float64) {
	b := level(l, k, burst, refill, now)
	b.tokens = max(floor, b.tokens-1)
	l.Add(k, b)
}

// refund gives one failure back.
func (t *Throttle) refund(l *simplelru.LRU[key, bucket], k key, burst int, refill time.Duration, now int64) {
	if _, ok := l.Peek(k); !ok {
		return
	}
	b := level(l, k, burst, refill, now)
	b.tokens = min(float64(burst), b.tokens+1)
	l.Add(k, b)
}
