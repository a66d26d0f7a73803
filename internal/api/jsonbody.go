package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/text/cases"

	"serenade/internal/domain"
)

// jsonFormat is how the API reads and writes JSON. Every request body goes
// through its Unmarshal, twice (huma validates a generic copy against the
// schema, then decodes into the input struct), so this is the one place
// where the text policy meets the wire:
//   - a body with a duplicate object key is refused, also when the two
//     differ only by case ("first_name", "First_Name"): which of the two
//     values counts would be the decoder's guess;
//   - object keys are matched to the schema exactly: a key that is not a
//     field's name as written ("FIRST_NAME") is an unknown key, refused
//     by the schema (huma.ValidateStrictCasing, set in init) and by the
//     decoding into the input struct (case-sensitive, unknown members
//     refused), never matched to a field by case-folding;
//   - invalid UTF-8 (or an escaped lone surrogate) is refused, never
//     replaced by U+FFFD;
//   - every string value is normalised (domain.NormalizeText: trimmed,
//     NFC) before the schema sees it, so the schema's maxLength counts the
//     characters the domain counts and refuses nothing the domain accepts;
//   - its refusals quote a member name, and give a path through names,
//     only as far as the API declares them (declared.go): a client's own
//     names may be a codice fiscale.
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
	if _, generic := v.(*any); generic {
		return json.Unmarshal(clean, v) // the copy huma validates against the schema
	}
	return decodeStrict(clean, v)
}

// decodeStrict decodes into a typed input: member names must equal the
// field names exactly (encoding/json would also take "FIRST_NAME" for
// first_name), and a member no field has is refused.
func decodeStrict(data []byte, v any) error {
	err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	var se *jsonv2.SemanticError
	switch {
	case errors.As(err, &se) && errors.Is(se.Err, jsonv2.ErrUnknownName):
		return errors.New("unknown key " + where("body", pointerSegments(se.JSONPointer.Parent())) + unknownNote)
	case se != nil:
		// Not se.Err's text: it may quote the value.
		return errors.New("cannot decode the value " + where("body", pointerSegments(se.JSONPointer)))
	}
	return errors.New("malformed JSON body")
}

// unknownNote ends the refusal of a member that is not a field.
const unknownNote = ": a member this object does not declare (its name is not repeated)"

// pointerSegments splits a pointer that runs through declared fields
// only (the decoder stops at the first unknown member), so a token of
// digits is an array index: no declared name is a number.
func pointerSegments(p jsontext.Pointer) []segment {
	var segs []segment
	for tok := range p.Tokens() {
		segs = append(segs, segment{name: tok, index: tok != "" && strings.Trim(tok, "0123456789") == ""})
	}
	return segs
}

// stackSegments splits the pointer of a token the decoder just read (or
// refused), taking from the decoder's stack whether each step is an
// index or a member name: a client's member may be named "12".
func stackSegments(dec *jsontext.Decoder, p jsontext.Pointer) []segment {
	var segs []segment
	level := 1
	for tok := range p.Tokens() {
		kind := byte(0)
		if level <= dec.StackDepth() {
			k, _ := dec.StackIndex(level)
			kind = byte(k)
		}
		segs = append(segs, segment{name: tok, index: kind == '['})
		level++
	}
	return segs
}

// normalizeJSON re-encodes a syntactically valid JSON document with every
// string value normalised; object names are kept as sent. jsontext
// refuses duplicate names and invalid UTF-8 by default; names that differ
// only by case are refused here.
func normalizeJSON(data []byte) ([]byte, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out)
	var objects []map[string]string // per open object: case-folded name → name as sent
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, bodyError(err, dec)
		}
		switch kind := tok.Kind(); {
		case kind == '{':
			objects = append(objects, map[string]string{})
		case kind == '}':
			objects = objects[:len(objects)-1]
		case kind == '"' && justReadName(dec):
			if err := checkFoldedName(objects[len(objects)-1], tok.String(), dec); err != nil {
				return nil, err
			}
		case kind == '"':
			tok = jsontext.String(domain.NormalizeText(tok.String()))
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, bodyError(err, dec)
		}
	}
}

// checkFoldedName refuses a member name equal to an earlier one of the
// same object but for case (full Unicode case folding, which covers what
// encoding/json would match: "K" and the Kelvin sign, "s" and "ſ").
func checkFoldedName(seen map[string]string, name string, dec *jsontext.Decoder) error {
	folded := cases.Fold().String(name)
	if first, dup := seen[folded]; dup {
		other := quoted(first)
		if other == "" {
			other = "another member"
		}
		return fmt.Errorf("%s (the same key as %s but for case)",
			duplicateKey(name, stackSegments(dec, dec.StackPointer().Parent())), other)
	}
	seen[folded] = name
	return nil
}

// duplicateKey refuses a member name given twice in the object at parent,
// quoting the name only when the API declares it.
func duplicateKey(name string, parent []segment) string {
	msg := "duplicate key"
	if q := quoted(name); q != "" {
		msg += " " + q
	}
	return msg + " " + where("body", parent)
}

// justReadName reports whether the token just read was an object member
// name: inside an object, names and values alternate, names first.
func justReadName(dec *jsontext.Decoder) bool {
	kind, n := dec.StackIndex(dec.StackDepth())
	return kind == '{' && n%2 == 1
}

// bodyError says what jsontext refused and where, as a field path in the
// style of the validation errors (body.contacts[0].alias), naming only
// what the API declares.
func bodyError(err error, dec *jsontext.Decoder) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return errors.New("malformed JSON body")
	}
	segs := stackSegments(dec, se.JSONPointer)
	if errors.Is(se.Err, jsontext.ErrDuplicateName) && len(segs) > 0 {
		return errors.New(duplicateKey(segs[len(segs)-1].name, segs[:len(segs)-1]))
	}
	// What encoding/json accepts and jsontext does not is bad UTF-8.
	return errors.New("invalid UTF-8 or unpaired surrogate " + where("body", segs))
}

// init makes huma's schema validation match object keys to property names
// exactly: by default it takes "FIRST_NAME" for first_name, both as a
// known property and for a required one.
func init() { huma.ValidateStrictCasing = true }
