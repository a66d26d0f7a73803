package api

import "testing"

// A key that differs from a field's name only by case is another key:
// encoding/json would match it to the field, so a body naming a field
// twice under two casings must be refused like any duplicate key.
func TestJSONKeysDifferingOnlyByCaseAreRefused(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"first_name":"A","First_Name":"B"}`,
		`{"first_name":"A","FIRST_NAME":"B"}`,
	} {
		var v struct {
			FirstName string `json:"first_name"`
		}
		if err := unmarshalJSON([]byte(in), &v); err == nil {
			t.Errorf("%s: accepted, first_name = %q; want a 400 naming the duplicate key", in, v.FirstName)
		}
	}
}
