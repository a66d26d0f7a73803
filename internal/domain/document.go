package domain

import (
	"errors"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultMaxDocumentSize is the default upload limit (20 MiB).
const DefaultMaxDocumentSize = 20 << 20

// Document is a file attached to an installation. Its name may name the
// patient and its content is personal data: both are stored encrypted.
type Document struct {
	ID             int64
	InstallationID int64
	PatientID      int64 // whose home, for the audit trail
	Name           string
	ContentType    string // sniffed from the content, never the client's word
	Type           DocumentType
	Size           int64
	UploadedBy     string
	CreatedAt      time.Time
}

// CleanDocumentName keeps the base name of an uploaded file, drops the
// double quotes (it is sent back in a Content-Disposition header) and
// applies the text policy of a single-line field. Errors name the upload's
// "file" field, which carries the name.
func CleanDocumentName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", Invalid("file", "the file name is not valid UTF-8")
	}
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.ReplaceAll(name, `"`, "")
	if name == "." || name == ".." || name == "/" {
		name = ""
	}
	clean, err := DocumentNameText.Clean("file", name)
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			de.Message = "the file name " + de.Message
		}
		return "", err
	}
	return clean, nil
}

// DocumentType is what a document is, chosen by the uploader: the field
// team files the home's map, the signed consent form and photos of the
// installed kit apart. Codes are English; the UI translates the labels.
type DocumentType string

const (
	DocumentMap        DocumentType = "map"
	DocumentSignedForm DocumentType = "signed-form"
	DocumentPhoto      DocumentType = "photo"
	DocumentOther      DocumentType = "other"
)

// DocumentTypes lists every type, in the order the API documents them.
var DocumentTypes = []DocumentType{DocumentMap, DocumentSignedForm, DocumentPhoto, DocumentOther}

// ParseDocumentType reads an upload's "type" field: absent (empty) is
// "other", as the documents stored before types existed; anything not in
// DocumentTypes is refused naming the field, never echoing the value.
func ParseDocumentType(s string) (DocumentType, error) {
	if s == "" {
		return DocumentOther, nil
	}
	for _, t := range DocumentTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", Invalid("type", "must be one of map, signed-form, photo, other")
}
