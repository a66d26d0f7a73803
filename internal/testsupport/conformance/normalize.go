package conformance

import (
	"bytes"
	"encoding/json"
	"mime"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// normalizeRequest is a JSON request body as the document's limits see
// it: the API's description says that every string in a JSON body is
// trimmed and put in Unicode NFC (line breaks as \n) before validation,
// so that maxLength counts the characters the domain counts. Other
// bodies, and JSON that does not parse, are returned as they are.
func normalizeRequest(ctype string, body []byte) []byte {
	mt, _, _ := mime.ParseMediaType(ctype)
	if mt != "application/json" && ctype != "" {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	out, err := json.Marshal(normalizeValue(v))
	if err != nil {
		return body
	}
	return out
}

func normalizeValue(v any) any {
	switch v := v.(type) {
	case string:
		return norm.NFC.String(strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n")))
	case []any:
		for i := range v {
			v[i] = normalizeValue(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = normalizeValue(v[k])
		}
	}
	return v
}
