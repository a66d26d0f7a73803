package api

import (
	"strings"
	"sync"
	"testing"
)

// declareTheAPI builds the API once, so that the names it declares (and
// only those) may be quoted in refusals, as when serving.
var declareTheAPI = sync.OnceFunc(func() { New(Deps{}) })

func TestJSONBodiesAreNormalisedAndStrict(t *testing.T) {
	t.Parallel()
	declareTheAPI()
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
		`{"address":1,"address":2}`:                        `duplicate key "address" in body`,
		`{"contacts":[{"phone":1},{"alias":1,"alias":2}]}`: `duplicate key "alias" in body.contacts[1]`,
		"{\"address\":\"\xff\"}":                           "invalid UTF-8 or unpaired surrogate in body.address",
		`{"context":{"pets":"\udc00"}}`:                    "invalid UTF-8 or unpaired surrogate in body.context.pets",
		`{"contacts":[{"alias":"x"},{"alias":"\udc00"}]}`:  "invalid UTF-8 or unpaired surrogate in body.contacts[1].alias",
		`{"address":`: "unexpected end of JSON input",
		`{"MRNGNN48D03L219H":1,"MRNGNN48D03L219H":2}`:       "duplicate key in body",
		`{"contacts":[{"MRNGNN48D03L219H":{"a":1,"a":2}}]}`: "duplicate key inside an unknown member of body.contacts[0]",
		"{\"contacts\":[{\"MRNGNN48D03L219H\":\"\xff\"}]}":  "invalid UTF-8 or unpaired surrogate inside an unknown member of body.contacts[0]",
		`{"3401234567":[{"a":1,"a":2}]}`:                    "duplicate key inside an unknown member of body",
	}
	for in, want := range refused {
		var v any
		err := unmarshalJSON([]byte(in), &v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "MRNGNN48D03L219H") || strings.Contains(err.Error(), "3401234567")) {
			t.Errorf("%q: err = %v quotes a name the API does not declare", in, err)
		}
	}
}

// Keys are the schema's names exactly: one that differs from a field's
// name only by case is unknown, and two that differ only by case are a
// duplicate, at any depth and also where no schema applies.
func TestJSONKeysAreMatchedExactly(t *testing.T) {
	t.Parallel()
	declareTheAPI()
	type contact struct {
		Alias string `json:"alias"`
	}
	type body struct {
		FirstName string    `json:"first_name"`
		Contacts  []contact `json:"contacts"`
	}
	refused := map[string]string{
		`{"first_name":"A","First_Name":"B"}`:          `duplicate key in body (the same key as "first_name" but for case)`,
		`{"FIRST_NAME":"B","first_name":"A"}`:          `duplicate key "first_name" in body (the same key as another member but for case)`,
		`{"contacts":[{"alias":"a","ALIAS":"b"}]}`:     `duplicate key in body.contacts[0] (the same key as "alias" but for case)`,
		`{"FIRST_NAME":"Zed"}`:                         `unknown key in body: a member this object does not declare`,
		`{"contacts":[{"Alias":"x"}]}`:                 `unknown key in body.contacts[0]: a member this object does not declare`,
		"{\"first_name\":\"A\",\"first_nam\u212A\":1}": `unknown key in body`,
		`{"MRNGNN48D03L219H":"x"}`:                     `unknown key in body`,
	}
	for in, want := range refused {
		var v body
		err := unmarshalJSON([]byte(in), &v)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v (decoded %+v), want %q", in, err, v, want)
		}
		for _, invented := range []string{"First_Name", "FIRST_NAME", "ALIAS", "Alias", "\u212A", "MRNGNN48D03L219H"} {
			if err != nil && strings.Contains(err.Error(), invented) {
				t.Errorf("%s: err = %v quotes %q, a name the API does not declare", in, err, invented)
			}
		}
	}
	var generic any
	if err := unmarshalJSON([]byte(`{"message":"primo","MESSAGE":"secondo"}`), &generic); err == nil ||
		!strings.Contains(err.Error(), `duplicate key in body (the same key as "message" but for case)`) {
		t.Errorf("generic decode: err = %v, want the declared key named and the other not", err)
	}
	var ok body
	if err := unmarshalJSON([]byte(`{"first_name":" A ","contacts":[{"alias":"b"}]}`), &ok); err != nil ||
		ok.FirstName != "A" || ok.Contacts[0].Alias != "b" {
		t.Errorf("exact keys: %+v, %v", ok, err)
	}
}
