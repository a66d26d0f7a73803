package service

import (
	"github.com/gabriel-vasile/mimetype"

	"serenade/internal/domain"
)

// stillImage maps the sequence variants of HEIF onto the still-image
// types: phones store bursts and live photos as sequences whose first
// image is the photo, and viewers that open image/heic or image/heif show
// it, while few know the -sequence types.
var stillImage = map[string]string{
	"image/heic-sequence": "image/heic",
	"image/heif-sequence": "image/heif",
}

// sniffContentType names the format of a document from its bytes, never
// from the client's word. mimetype knows the formats phones and scanners
// produce (HEIC/HEIF, AVIF, WebP, JPEG, PNG, TIFF and the raw formats
// built on it, PDF, the office formats); anything outside
// domain.DocumentMediaTypes (text, HTML, archives, SVG) is
// application/octet-stream, so a download's type is one the API declares.
func sniffContentType(content []byte) string {
	t := mimetype.Detect(content).String()
	if still, ok := stillImage[t]; ok {
		t = still
	}
	return domain.DocumentMediaType(t)
}
