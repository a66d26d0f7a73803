package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func gz(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const good = `{"stream":"kitchen.motion","time":1772443800000,"value":true}`

// TestParseNamesTheFirstBadItem: every kind of bad item refuses the
// batch, naming the item's index, the field and a reason; the items
// before it are not returned.
func TestParseNamesTheFirstBadItem(t *testing.T) {
	cases := []struct {
		name, body string
		index      int
		field      string
	}{
		{"malformed JSON", `[` + good + `,{"stream":`, 1, ""},
		{"NaN is not JSON", `[` + good + `,{"stream":"a","time":1,"value":NaN}]`, 1, ""},
		{"Infinity is not JSON", `[{"stream":"a","time":1,"value":Infinity}]`, 0, ""},
		{"a number beyond float64", `[` + good + `,` + good + `,{"stream":"a","time":1,"value":1e999}]`, 2, "value"},
		{"a string as value", `[{"stream":"a","time":1,"value":"12"}]`, 0, "value"},
		{"NaN as a string", `[{"stream":"a","time":1,"value":"NaN"}]`, 0, "value"},
		{"null as value", `[{"stream":"a","time":1,"value":null}]`, 0, "value"},
		{"an object as value", `[{"stream":"a","time":1,"value":{"v":1}}]`, 0, "value"},
		{"no value", `[{"stream":"a","time":1}]`, 0, "value"},
		{"no stream", `[{"time":1,"value":1}]`, 0, "stream"},
		{"a stream key with spaces", `[{"stream":"Kitchen Motion","time":1,"value":1}]`, 0, "stream"},
		{"a stream key too long", `[{"stream":"` + strings.Repeat("a", 65) + `","time":1,"value":1}]`, 0, "stream"},
		{"a number as stream", `[{"stream":7,"time":1,"value":1}]`, 0, "stream"},
		{"no time", `[{"stream":"a","value":1}]`, 0, "time"},
		{"a time in words", `[{"stream":"a","time":"yesterday","value":1}]`, 0, "time"},
		{"a time without zone", `[{"stream":"a","time":"2026-03-02T10:00:00","value":1}]`, 0, "time"},
		{"a fractional epoch", `[{"stream":"a","time":1.5,"value":1}]`, 0, "time"},
		{"an unknown kind", `[{"stream":"a","time":1,"value":1,"kind":"laser"}]`, 0, "kind"},
		{"an empty unit", `[{"stream":"a","time":1,"value":1,"unit":""}]`, 0, "unit"},
		{"a negative cadence", `[{"stream":"a","time":1,"value":1,"cadence_s":-1}]`, 0, "cadence_s"},
		{"an unknown field", `[{"stream":"a","time":1,"value":1,"colour":"red"}]`, 0, ""},
		{"an item that is no object", `[` + good + `,1]`, 1, ""},
		{"data after the array", `[` + good + `] {}`, 1, ""},
		{"NDJSON with a bad line", good + "\n" + good + "\n" + `{"stream":"a","time":1,"value":"x"}` + "\n", 2, "value"},
		{"NDJSON cut short", good + "\n" + `{"stream":"a",`, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, gzipped := range []bool{false, true} {
				body := []byte(c.body)
				if gzipped {
					body = gz(t, c.body)
				}
				items, err := Parse(bytes.NewReader(body), gzipped, Limits{})
				var bad *BadItemError
				if !errors.As(err, &bad) || items != nil {
					t.Fatalf("gzip %t: %v, %d items; want a bad item", gzipped, err, len(items))
				}
				if bad.Index != c.index || bad.Field != c.field || bad.Reason == "" || StatusOf(err) != 422 {
					t.Errorf("gzip %t: item %d field %q reason %q (status %d), want item %d field %q",
						gzipped, bad.Index, bad.Field, bad.Reason, StatusOf(err), c.index, c.field)
				}
			}
		})
	}
}

// TestParseRefusesWhatIsNotABatch: an empty batch, a body that is not
// gzip when it says so, more items or bytes than the limits.
func TestParseRefusesWhatIsNotABatch(t *testing.T) {
	many := "[" + strings.Repeat(good+",", 10) + good + "]"
	cases := []struct {
		name    string
		body    []byte
		gzipped bool
		limits  Limits
		status  int
	}{
		{"an empty array", []byte(`[]`), false, Limits{}, 400},
		{"an empty body", nil, false, Limits{}, 400},
		{"blanks only", []byte(" \n\t"), false, Limits{}, 400},
		{"not gzip", []byte(`[` + good + `]`), true, Limits{}, 400},
		{"gzip cut short", gz(t, `[`+good+`]`)[:20], true, Limits{}, 400},
		{"more items than the limit", []byte(many), false, Limits{MaxItems: 10}, 413},
		{"more bytes than the limit", []byte(many), false, Limits{MaxBytes: 200}, 413},
		{"more bytes than the limit once gunzipped", gz(t, many), true, Limits{MaxBytes: 200}, 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := Parse(bytes.NewReader(c.body), c.gzipped, c.limits)
			if err == nil || items != nil || StatusOf(err) != c.status {
				t.Errorf("%v (status %d), %d items; want status %d", err, StatusOf(err), len(items), c.status)
			}
		})
	}
}

// TestParseReadsBothFormats: the same items as an array and as NDJSON,
// times as RFC 3339 (any offset, cut to the millisecond) or epoch ms,
// values as numbers or booleans.
func TestParseReadsBothFormats(t *testing.T) {
	lines := []string{
		`{"stream":"fridge.door","time":"2026-03-02T10:00:00.123456+01:00","value":false}`,
		`{"stream":"tv.plug.power","time":1772442000123,"value":41.25,"kind":"power","unit":"W","cadence_s":60}`,
	}
	want := []Item{
		{Stream: "fridge.door", AtMs: 1772442000123, Value: 0, Cadence: -1},
		{Stream: "tv.plug.power", AtMs: 1772442000123, Value: 41.25, Kind: "power", Unit: "W", Cadence: 60},
	}
	for name, body := range map[string]string{
		"array": "[" + strings.Join(lines, ",") + "]", "ndjson": strings.Join(lines, "\n") + "\n", "ndjson without last newline": strings.Join(lines, "\r\n"),
	} {
		items, err := Parse(strings.NewReader(body), false, Limits{})
		if err != nil || fmt.Sprint(items) != fmt.Sprint(want) {
			t.Errorf("%s: %+v, %v; want %+v", name, items, err, want)
		}
	}
}
