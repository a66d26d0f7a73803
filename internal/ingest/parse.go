// Package ingest turns sensor batches into durable readings (SPEC §7,
// issue 10 §1-§3): a pure parser (JSON array or NDJSON, optionally gzip,
// every size bounded before it is reached), ingest tokens
// (srn_<public id>_<secret>), and Service.Accept, the one entry point
// every transport (HTTP, MQTT) calls.
package ingest

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"serenade/internal/domain"
)

// Limits bound one batch.
type Limits struct {
	MaxItems int   // items per batch (default 10,000)
	MaxBytes int64 // body bytes after decompression (default 8 MiB)
}

// Default limits.
const (
	DefaultMaxItems = 10_000
	DefaultMaxBytes = 8 << 20
)

func (l Limits) orDefault() Limits {
	if l.MaxItems <= 0 {
		l.MaxItems = DefaultMaxItems
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	return l
}

// Item is one parsed reading of a batch: its stream's key, its time in
// ms since the epoch (UTC) and its value (booleans as 0 and 1). Kind,
// Unit and Cadence are the stream's, for a stream created by this item
// ("" / -1 when not given).
type Item struct {
	Stream  string
	AtMs    int64
	Value   float64
	Kind    domain.StreamKind
	Unit    string
	Cadence int
}

// wireItem is an item as sent; unknown fields are refused.
type wireItem struct {
	Stream  json.RawMessage `json:"stream"`
	Time    json.RawMessage `json:"time"`
	Value   json.RawMessage `json:"value"`
	Kind    json.RawMessage `json:"kind"`
	Unit    json.RawMessage `json:"unit"`
	Cadence json.RawMessage `json:"cadence_s"`
}

// Parse reads a batch: a JSON array of items, or items one per line
// (NDJSON), told apart by the first non-blank byte ('[' is an array).
// With gzipped set the body is gunzipped first. Bytes after
// decompression are capped at l.MaxBytes (a *TooLargeError past it, read
// no further: a gzip bomb costs at most that), items at l.MaxItems. The
// first bad item is a *BadItemError; nothing is returned with it.
func Parse(body io.Reader, gzipped bool, l Limits) ([]Item, error) {
	l = l.orDefault()
	if gzipped {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, &BadEncodingError{Reason: "the body is not gzip"}
		}
		defer zr.Close()
		body = zr
	}
	capped := &capReader{r: body, left: l.MaxBytes, gz: gzipped}
	br := bufio.NewReaderSize(capped, 64<<10)
	first, err := firstByte(br)
	if err != nil {
		return nil, readErr(err, capped)
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return nil, readErr(err, capped)
		}
	}
	items, err := decodeItems(dec, first == '[', l, capped)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ErrEmpty
	}
	return items, nil
}

// decodeItems reads items up to the array's end (array) or the input's
// end (NDJSON).
func decodeItems(dec *json.Decoder, array bool, l Limits, capped *capReader) ([]Item, error) {
	var items []Item
	keys := keyCache{}
	for i := 0; ; i++ {
		if array && !dec.More() {
			if _, err := dec.Token(); err != nil { // the closing ]
				return nil, badItem(i, readErr(err, capped))
			}
			if _, err := dec.Token(); err != io.EOF {
				return nil, &BadItemError{Index: i, Reason: "data after the end of the array"}
			}
			return items, nil
		}
		if i >= l.MaxItems {
			return nil, &TooLargeError{What: "more than " + strconv.Itoa(l.MaxItems) + " items in one batch"}
		}
		var w wireItem
		err := dec.Decode(&w)
		if !array && err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, badItem(i, readErr(err, capped))
		}
		it, err := w.item(i, keys)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
}

// badItem names item i as the place of a decoding error; errors that
// are not the JSON's (the cap, bad gzip, the transport's) pass as they are.
func badItem(i int, err error) error {
	var syn *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return &BadItemError{Index: i, Reason: "an item must be a JSON object"}
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &BadItemError{Index: i, Reason: "malformed JSON"}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no type for it; the field's name is not echoed.
		return &BadItemError{Index: i, Reason: "an item has only the fields stream, time, value, kind, unit and cadence_s"}
	}
	return err
}

// readErr prefers the cap's error, then a gzip error, over what the
// decoder made of them.
func readErr(err error, capped *capReader) error {
	var ce flate.CorruptInputError
	switch {
	case capped.over:
		return &TooLargeError{What: "the body is larger than " + strconv.FormatInt(capped.limit(), 10) + " bytes once decompressed"}
	case capped.gz && (errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce) ||
		errors.Is(err, io.ErrUnexpectedEOF) && capped.eof):
		return &BadEncodingError{Reason: "the body is not valid gzip"}
	}
	return err
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				return 0, ErrEmpty
			}
			return 0, err
		}
		if b != ' ' && b != '\t' && b != '\n' && b != '\r' {
			return b, br.UnreadByte()
		}
	}
}

// keyCache maps a stream key as sent (its JSON string) to the key, once
// checked: a batch names a few streams many times, and each is decoded
// and checked once (at most maxCachedKeys of them are kept).
type keyCache map[string]string

const maxCachedKeys = 256

// key decodes and checks a stream key.
func (c keyCache) key(raw json.RawMessage) (string, bool) {
	if k, ok := c[string(raw)]; ok {
		return k, true
	}
	var k string
	if json.Unmarshal(raw, &k) != nil || !domain.ValidStreamKey(k) {
		return "", false
	}
	if len(c) < maxCachedKeys {
		c[string(raw)] = k
	}
	return k, true
}

// item checks one wire item and converts it.
func (w wireItem) item(i int, keys keyCache) (Item, error) {
	it := Item{Cadence: -1}
	bad := func(field, reason string) (Item, error) {
		return Item{}, &BadItemError{Index: i, Field: field, Reason: reason}
	}
	if w.Stream == nil {
		return bad("stream", "missing")
	}
	var ok bool
	if it.Stream, ok = keys.key(w.Stream); !ok {
		return bad("stream", "a stream key is dot-separated lower-case letters, digits, '_' and '-', at most 64 characters")
	}
	if it.AtMs, ok = parseTime(w.Time); w.Time == nil {
		return bad("time", "missing")
	} else if !ok {
		return bad("time", "a time is an RFC 3339 string with a time zone or an integer of milliseconds since 1970-01-01")
	}
	if it.Value, ok = parseValue(w.Value); w.Value == nil {
		return bad("value", "missing")
	} else if !ok {
		return bad("value", "a value is a finite JSON number or a boolean")
	}
	if w.Kind != nil {
		var s string
		if json.Unmarshal(w.Kind, &s) != nil {
			return bad("kind", "unknown kind")
		}
		if it.Kind, ok = domain.ParseStreamKind(s); !ok {
			return bad("kind", "unknown kind")
		}
	}
	if w.Unit != nil && (json.Unmarshal(w.Unit, &it.Unit) != nil || !domain.ValidUnit(it.Unit)) {
		return bad("unit", "a unit is a UCUM code of 1 to 16 printable characters")
	}
	if w.Cadence != nil && (json.Unmarshal(w.Cadence, &it.Cadence) != nil || it.Cadence < 0 || it.Cadence > domain.MaxCadenceSeconds) {
		return bad("cadence_s", "a cadence is a whole number of seconds from 0 (event-driven) to 86400")
	}
	return it, nil
}

// parseTime reads an RFC 3339 string (kept to the millisecond: finer
// digits are cut) or an integer of ms since the epoch.
func parseTime(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, false
		}
		return t.UnixMilli(), true
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	return ms, err == nil
}

// parseValue reads a finite number or a boolean (true 1, false 0);
// strings, null, NaN and infinities are refused.
func parseValue(raw json.RawMessage) (float64, bool) {
	switch s := string(bytes.TrimSpace(raw)); {
	case s == "true":
		return 1, true
	case s == "false":
		return 0, true
	case s == "" || s[0] == '"' || s == "null" || s[0] == '{' || s[0] == '[':
		return 0, false
	default:
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil && !math.IsInf(v, 0) && !math.IsNaN(v)
	}
}

// capReader stops after left bytes, remembering it was cut.
type capReader struct {
	r    io.Reader
	left int64
	read int64
	over bool
	gz   bool  // r is a gunzipper: its errors are the body's encoding's
	eof  bool  // r ended mid-stream (a truncated gzip body)
	err  error // r's first error other than EOF
}

func (c *capReader) limit() int64 { return c.left + c.read }

func (c *capReader) Read(p []byte) (int, error) {
	if c.over {
		return 0, &TooLargeError{What: "body too large"}
	}
	if c.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n > 0 {
			c.over = true
			return 0, &TooLargeError{What: "body too large"}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	c.read += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		c.eof = errors.Is(err, io.ErrUnexpectedEOF)
		c.err = err
	}
	return n, err
}
