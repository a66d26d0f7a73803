package api

import (
	"strings"
	"testing"
)

func TestJSONBodiesAreNormalisedAndStrict(t *testing.T) {
	t.Parallel()
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

// Keys are the schema's names exactly: one that differs from a field's
// name only by case is unknown, and two that differ only by case are a
// duplicate, at any depth and also where no schema applies.
func TestJSONKeysAreMatchedExactly(t *testing.T) {
	t.Parallel()
	type contact struct {
		Alias string `json:"alias"`
	}
	type body struct {
		FirstName string    `json:"first_name"`
		Contacts  []contact `json:"contacts"`
	}
	refused := map[string]string{
		`{"first_name":"A","First_Name":"B"}`:          `duplicate key "First_Name" in body (the same key as "first_name" but for case)`,
		`{"FIRST_NAME":"B","first_name":"A"}`:          `duplicate key "first_name" in body (the same key as "FIRST_NAME" but for case)`,
		`{"contacts":[{"alias":"a","ALIAS":"b"}]}`:     `duplicate key "ALIAS" in body.contacts[0]`,
		`{"FIRST_NAME":"Zed"}`:                         `unknown key "FIRST_NAME" in body`,
		`{"contacts":[{"Alias":"x"}]}`:                 `unknown key "Alias" in body.contacts[0]`,
		"{\"first_name\":\"A\",\"first_nam\u212A\":1}": `unknown key`,
	}
	for in, want := range refused {
		var v body
		if err := unmarshalJSON([]byte(in), &v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v (decoded %+v), want %q", in, err, v, want)
		}
	}
	var generic any
	if err := unmarshalJSON([]byte(`{"message":"primo","MESSAGE":"secondo"}`), &generic); err == nil ||
		!strings.Contains(err.Error(), `duplicate key "MESSAGE" in body`) {
		t.Errorf("generic decode: err = %v, want the duplicate key named", err)
	}
	var ok body
	if err := unmarshalJSON([]byte(`{"first_name":" A ","contacts":[{"alias":"b"}]}`), &ok); err != nil ||
		ok.FirstName != "A" || ok.Contacts[0].Alias != "b" {
		t.Errorf("exact keys: %+v, %v", ok, err)
	}
}
