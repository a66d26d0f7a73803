// Package filesample builds small files in the formats phones, cameras
// and scanners produce, for tests of content sniffing. Each is the start
// of a real file of its format (what a sniffer reads), not a whole image.
package filesample

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"image/png"
)

// ISOBMFF is an ISO base media file (HEIC, HEIF, AVIF, MP4) beginning
// with an ftyp box of the major brand and compatible brands, followed by
// an empty meta box, as an iPhone photo begins.
func ISOBMFF(major string, compatible ...string) []byte {
	var b bytes.Buffer
	size := uint32(16 + 4*len(compatible))
	_ = binary.Write(&b, binary.BigEndian, size)
	b.WriteString("ftyp" + major)
	_ = binary.Write(&b, binary.BigEndian, uint32(0)) // minor version
	for _, c := range compatible {
		b.WriteString(c)
	}
	_ = binary.Write(&b, binary.BigEndian, uint32(12))
	b.WriteString("meta")
	_ = binary.Write(&b, binary.BigEndian, uint32(0)) // version and flags
	return b.Bytes()
}

// WebP is a RIFF container holding a lossless WebP bitstream header.
func WebP() []byte {
	body := []byte("WEBPVP8L\x05\x00\x00\x00\x2f\x00\x00\x00\x00\x00")
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(body)))
	b.Write(body)
	return b.Bytes()
}

// TIFF is a little-endian TIFF header with an empty first directory (a
// scanner's output, and the layout DNG raw photos share).
func TIFF() []byte {
	return []byte{'I', 'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}
}

// PNG is a one-pixel PNG image.
func PNG() []byte {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)))
	return b.Bytes()
}

// JPEG is a one-pixel JPEG image.
func JPEG() []byte {
	var b bytes.Buffer
	_ = jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1)), nil)
	return b.Bytes()
}

// PDF is a minimal PDF document.
func PDF() []byte {
	return []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

// DOCX is a minimal Office Open XML word-processing document.
func DOCX() []byte {
	return zipOf([][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		{"word/document.xml", `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>`},
	}, false)
}

// ODT is a minimal OpenDocument text: its first entry, stored, is the
// mimetype file.
func ODT() []byte {
	return zipOf([][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"content.xml", `<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>`},
	}, true)
}

// zipOf writes the entries in order; storeFirst leaves the first entry
// uncompressed, as OpenDocument requires of its mimetype.
func zipOf(entries [][2]string, storeFirst bool) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i, e := range entries {
		method := zip.Deflate
		if i == 0 && storeFirst {
			method = zip.Store
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: e[0], Method: method})
		if err != nil {
			panic(err) // writing to memory does not fail
		}
		_, _ = f.Write([]byte(e[1]))
	}
	_ = w.Close()
	return b.Bytes()
}
