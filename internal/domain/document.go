package domain

import (
	"path/filepath"
	"strings"
	"time"
	"unicode"
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
	Size           int64
	UploadedBy     string
	CreatedAt      time.Time
}

// CleanDocumentName keeps the base name of an uploaded file and drops
// control characters, so it is safe to show and to send back in a
// Content-Disposition header.
func CleanDocumentName(name string) (string, error) {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" {
		return "", Invalid("name", "a file name is required")
	}
	if len(name) > 255 {
		return "", Invalid("name", "must be at most 255 bytes")
	}
	return name, nil
}
