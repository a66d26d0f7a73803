package domain

import "testing"

func TestDocumentMediaTypeIsClosed(t *testing.T) {
	cases := map[string]string{
		"application/pdf":           "application/pdf",
		"image/heic":                "image/heic",
		"text/plain; charset=utf-8": OctetStream,
		"text/html; charset=utf-8":  OctetStream,
		"application/zip":           OctetStream,
		"image/svg+xml":             OctetStream,
		"":                          OctetStream,
		OctetStream:                 OctetStream,
	}
	for in, want := range cases {
		if got := DocumentMediaType(in); got != want {
			t.Errorf("DocumentMediaType(%q) = %q, want %q", in, got, want)
		}
	}
}
