package domain

import "slices"

// OctetStream is the media type of a file whose format is none of
// DocumentMediaTypes.
const OctetStream = "application/octet-stream"

// DocumentMediaTypes are the media types a document is stored and
// served with, and the only ones the API declares for a download: the
// formats phones, scanners and office software produce for a study's
// paperwork (photos, scans, forms). A file sniffed as anything else is
// stored and served as OctetStream, so what a client may receive is this
// closed set.
var DocumentMediaTypes = []string{
	"application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif", "image/avif", "image/webp", "image/tiff",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/msword", "application/vnd.ms-excel",
	OctetStream,
}

// DocumentMediaType is t when it is one of DocumentMediaTypes, else
// OctetStream (documents stored before the set was closed included).
func DocumentMediaType(t string) string {
	if slices.Contains(DocumentMediaTypes, t) {
		return t
	}
	return OctetStream
}
