package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-json-experiment/json/jsontext"

	"serenade/internal/domain"
)

// jsonFormat is how the API reads and writes JSON. Every request body goes
// through its Unmarshal, twice (huma validates a generic copy against the
// schema, then decodes into the input struct), so this is the one place
// where the text policy meets the wire:
//   - a body with a duplicate object key is refused: which of the two
//     values counts would be the decoder's guess;
//   - invalid UTF-8 (or an escaped lone surrogate) is refused, never
//     replaced by U+FFFD;
//   - every string value is normalised (domain.NormalizeText: trimmed,
//     NFC) before the schema sees it, so the schema's maxLength counts the
//     characters the domain counts and refuses nothing the domain accepts.
//
// The domain applies the full policy again (and alone on other paths).
var jsonFormat = huma.Format{
	Marshal:   huma.DefaultJSONFormat.Marshal,
	Unmarshal: unmarshalJSON,
}

// jsonFormats replaces huma's defaults (which decode with encoding/json
// alone) for application/json and the +json suffix.
func jsonFormats() map[string]huma.Format {
	return map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
}

func unmarshalJSON(data []byte, v any) error {
	if !json.Valid(data) {
		// encoding/json's own message ("unexpected end of JSON input", …).
		var discard any
		return json.Unmarshal(data, &discard)
	}
	clean, err := normalizeJSON(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(clean, v)
}

// normalizeJSON re-encodes a syntactically valid JSON document with every
// string value normalised; object names are kept as sent. jsontext
// refuses duplicate names and invalid UTF-8 by default.
func normalizeJSON(data []byte) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, bodyError(err)
		}
		if tok.Kind() == '"' && !justReadName(dec) {
			tok = jsontext.String(domain.NormalizeText(tok.String()))
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, bodyError(err)
		}
	}
}

// justReadName reports whether the token just read was an object member
// name: inside an object, names and values alternate, names first.
func justReadName(dec *jsontext.Decoder) bool {
	kind, n := dec.StackIndex(dec.StackDepth())
	return kind == '{' && n%2 == 1
}

// bodyError says what jsontext refused and where, as a field path in the
// style of the validation errors (body.contacts[0].alias).
func bodyError(err error) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return errors.New("malformed JSON body")
	}
	if errors.Is(se.Err, jsontext.ErrDuplicateName) {
		return fmt.Errorf("duplicate key %q in %s", se.JSONPointer.LastToken(), fieldPath(se.JSONPointer.Parent()))
	}
	// What encoding/json accepts and jsontext does not is bad UTF-8.
	return fmt.Errorf("invalid UTF-8 or unpaired surrogate in %s", fieldPath(se.JSONPointer))
}

// fieldPath turns a JSON pointer into body.a[0].b.
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	b.WriteString("body")
	for tok := range p.Tokens() {
		if tok != "" && strings.Trim(tok, "0123456789") == "" {
			b.WriteString("[" + tok + "]")
		} else {
			b.WriteString("." + tok)
		}
	}
	return b.String()
}
