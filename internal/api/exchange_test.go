package api

import "testing"

// Only the standard methods are recorded as sent; any other token the
// client typed (a codice fiscale, a name and address, a standard method
// in another case) is recorded as OTHER.
func TestMethodNameRecordsOnlyStandardMethods(t *testing.T) {
	t.Parallel()
	for m, want := range map[string]string{
		"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH", "DELETE": "DELETE",
		"OPTIONS": "OPTIONS", "TRACE": "TRACE", "CONNECT": "CONNECT",
		"MRNGNN48D03L219H": "OTHER", "ROSSI-MARIO-VIA-PADOVA-118": "OTHER", "get": "OTHER", "PROPFIND": "OTHER", "": "OTHER",
	} {
		if got := MethodName(m); got != want {
			t.Errorf("MethodName(%q) = %q, want %q", m, got, want)
		}
	}
}
