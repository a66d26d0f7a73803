package api

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"golang.org/x/sync/semaphore"
)

// metaUploadGate carries the API's upload gate to the upload resolver.
const metaUploadGate = "uploadGate"

// uploadRetryAfter is the Retry-After, in seconds, of an upload refused
// because the upload memory is in use: uploads finish in seconds.
const uploadRetryAfter = 5

// uploadGate bounds the memory held by uploads in flight. A document is
// kept in memory (never spooled to disk in clear) from its first byte
// until it is stored, so without a bound N parallel uploads hold N times
// the document limit; the connection caps alone would let one address
// hold gigabytes. Each upload reserves, before its body is read, the
// buffer it may fill: its declared length, or the route's limit when the
// length is not declared (chunked). When the reservation does not fit,
// the upload is refused at once with 503 and Retry-After, without reading
// the body.
type uploadGate struct {
	sem  *semaphore.Weighted
	size int64
}

// newUploadGate sizes the gate at total bytes, and at least one upload of
// the largest reservation (a gate smaller than one upload would refuse
// every large document).
func newUploadGate(total, maxDocument int64) *uploadGate {
	if total <= 0 {
		total = DefaultUploadMemory(maxDocument)
	}
	total = max(total, maxDocument+1+bytes.MinRead)
	return &uploadGate{sem: semaphore.NewWeighted(total), size: total}
}

// DefaultUploadMemory is the upload memory when none is configured: four
// uploads of the largest document at once.
func DefaultUploadMemory(maxDocument int64) int64 { return 4 * (maxDocument + 1 + bytes.MinRead) }

// reservation is the buffer an upload may fill: the file part is at most
// the document limit plus one byte (to tell it is over), and no more than
// the declared body; bytes.MinRead more lets the buffer read to the end
// without growing.
func reservation(declared, limit int64) int64 {
	n := limit + 1
	if declared >= 0 && declared < n {
		n = declared
	}
	return n + bytes.MinRead
}

// acquire reserves n bytes for an upload until its request is done (the
// outermost layer releases them once the answer is sent and the document
// no longer referenced); false when the gate is full, with Retry-After
// set for the 503. Without an exchange there would be no release, so the
// upload is refused.
func (g *uploadGate) acquire(ctx huma.Context, n int64) bool {
	ex := exchangeFrom(ctx.Context())
	if ex == nil || !g.sem.TryAcquire(n) {
		ctx.SetHeader("Retry-After", strconv.Itoa(uploadRetryAfter))
		return false
	}
	ex.onDone(func() { g.sem.Release(n) })
	return true
}

// declaredLength is the body's Content-Length, or -1 when not declared.
func declaredLength(ctx huma.Context) int64 {
	n, err := strconv.ParseInt(ctx.Header("Content-Length"), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func errUploadsBusy() error {
	return huma.NewError(http.StatusServiceUnavailable, "too many uploads in progress: retry later")
}
