package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"

	"serenade/internal/domain"
)

// docKind is the kind of a demo document; its content is generated.
type docKind int

const (
	pdfReport docKind = iota // a one-page installer's report
	pngPlan                  // a floor plan sketch with the sensors
	jpegPhoto                // a photo of the sensor hub
)

// docType is the type an installer would choose for such a file: a floor
// plan is the home's map, a report is neither a signed form nor a photo.
func (k docKind) docType() domain.DocumentType {
	switch k {
	case pngPlan:
		return domain.DocumentMap
	case jpegPhoto:
		return domain.DocumentPhoto
	}
	return domain.DocumentOther
}

func (k docKind) render(rng *rand.Rand, d docSpec) ([]byte, error) {
	switch k {
	case pdfReport:
		return reportPDF(d.lines), nil
	case pngPlan:
		return floorPlanPNG(rng)
	case jpegPhoto:
		return hubPhotoJPEG(rng)
	}
	return nil, fmt.Errorf("unknown document kind %d", k)
}

// reportPDF writes a minimal, valid one-page PDF showing lines of
// ASCII text in Helvetica.
func reportPDF(lines []string) []byte {
	var b bytes.Buffer
	var offsets []int
	object := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n")
	object("<< /Type /Catalog /Pages 2 0 R >>")
	object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] " +
		"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>")
	object("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	stream := pdfText(lines)
	object(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// pdfText is the content stream: the first line as a title, the others
// below it.
func pdfText(lines []string) string {
	esc := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
	var b strings.Builder
	b.WriteString("BT\n/F1 16 Tf\n56 780 Td\n20 TL\n")
	for i, l := range lines {
		if i == 1 {
			b.WriteString("/F1 11 Tf\n16 TL\n")
		}
		fmt.Fprintf(&b, "(%s) Tj T*\n", esc.Replace(l))
	}
	b.WriteString("ET")
	return b.String()
}

// floorPlanPNG sketches a two-room flat with sensors as coloured dots.
func floorPlanPNG(rng *rand.Rand) ([]byte, error) {
	const w, h = 96, 64
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	wall := color.RGBA{60, 60, 60, 255}
	outline(img, image.Rect(4, 4, w-4, h-4), wall)
	outline(img, image.Rect(4, 4, 52, h-4), wall)
	fill(img, image.Rect(51, 26, 53, 38), color.White) // a door between the rooms
	sensors := []color.RGBA{{220, 40, 40, 255}, {40, 120, 220, 255}, {40, 170, 70, 255}, {240, 170, 0, 255}}
	for _, c := range sensors {
		x, y := 8+rng.IntN(w-20), 8+rng.IntN(h-20)
		fill(img, image.Rect(x, y, x+4, y+4), c)
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}

// hubPhotoJPEG is a grainy "photo" of the hub on a shelf: a lit wall, a
// dark box with a green LED.
func hubPhotoJPEG(rng *rand.Rand) ([]byte, error) {
	const w, h = 120, 90
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(12))
			v := uint8(200 - y) // light from the ceiling
			img.Set(x, y, color.RGBA{v + n, v - 10 + n, v - 30 + n, 255})
		}
	}
	fill(img, image.Rect(0, 62, w, 68), color.RGBA{120, 80, 40, 255})   // shelf
	fill(img, image.Rect(40, 40, 80, 62), color.RGBA{30, 30, 35, 255})  // hub
	fill(img, image.Rect(72, 44, 76, 48), color.RGBA{40, 230, 60, 255}) // LED
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes(), err
}

func fill(img draw.Image, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// outline draws a one-pixel-wide rectangle border.
func outline(img draw.Image, r image.Rectangle, c color.Color) {
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+1), c)
	fill(img, image.Rect(r.Min.X, r.Max.Y-1, r.Max.X, r.Max.Y), c)
	fill(img, image.Rect(r.Min.X, r.Min.Y, r.Min.X+1, r.Max.Y), c)
	fill(img, image.Rect(r.Max.X-1, r.Min.Y, r.Max.X, r.Max.Y), c)
}
