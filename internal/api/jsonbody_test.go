package api

import (
	"strings"
	"testing"
)

func TestJSONBodiesAreNormalisedAndStrict(t *testing.T) {
	t.Run("string values are trimmed and composed at any depth, names and other values kept", func(t *testing.T) {
		var got map[string]any
		in := `{" key ":" A\u0300 ","list":[" x ",1,true,null,{"n":"\tb\r\n"}],"num":2.5}`
		if err := unmarshalJSON([]byte(in), &got); err != nil {
			t.Fatal(err)
		}
		list := got["list"].([]any)
		if got[" key "] != "À" || list[0] != "x" || list[1] != 1.0 || list[2] != true || list[3] != nil ||
			list[4].(map[string]any)["n"] != "b" || got["num"] != 2.5 {
			t.Errorf("decoded %#v", got)
		}
	})
	refused := map[string]string{
		`{"a":1,"a":2}`:                 `duplicate key "a" in body`,
		`{"c":[{"x":1},{"y":1,"y":2}]}`: `duplicate key "y" in body.c[1]`,
		"{\"a\":\"\xff\"}":              "invalid UTF-8 or unpaired surrogate in body.a",
		`{"a":{"b":"\udc00"}}`:          "invalid UTF-8 or unpaired surrogate in body.a.b",
		`{"a":`:                         "unexpected end of JSON input",
	}
	for in, want := range refused {
		var v any
		if err := unmarshalJSON([]byte(in), &v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
}
