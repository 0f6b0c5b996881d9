// Package qr draws the QR codes and builds the links customers scan or tap
// to start a conversation on a channel.
package qr

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"

	"github.com/boombuler/barcode"
	bqr "github.com/boombuler/barcode/qr"

	"charla/internal/problem"
)

// Sizes are the widths (and heights), in pixels, a QR code PNG comes in.
var Sizes = []int{256, 512, 1024}

// QuietModules is the white border, in modules, around the code: the QR
// standard asks for 4 and phone cameras misread codes with less.
const QuietModules = 4

// PNG draws content as a QR code (error correction M, which survives a
// smudge or a logo sticker) on a size×size white PNG. The code is scaled by a
// whole number of pixels per module so every module is sharp; what that
// leaves over widens the quiet zone. The largest QR code (version 40, 177
// modules plus the quiet zone) still gets a pixel per module at 256.
func PNG(content string, size int) ([]byte, error) {
	if !slices.Contains(Sizes, size) {
		return nil, problem.Field("size", fmt.Sprintf("is %d; pick 256, 512 or 1024", size))
	}
	if content == "" {
		return nil, problem.Field("content", "is required")
	}
	code, err := bqr.Encode(content, bqr.M, bqr.Auto)
	if err != nil {
		return nil, problem.Field("content", "is too long for a QR code; shorten it (e.g. the prefilled text)")
	}
	modules := code.Bounds().Dx()
	side := modules * (size / (modules + 2*QuietModules))
	scaled, err := barcode.Scale(code, side, side)
	if err != nil {
		return nil, fmt.Errorf("qr: scaling: %w", err)
	}
	// Two colours, white first so the whole canvas starts as quiet zone.
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	at := (size - side) / 2
	draw.Draw(img, image.Rect(at, at, at+side, at+side), scaled, image.Point{}, draw.Src)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: encoding png: %w", err)
	}
	return buf.Bytes(), nil
}
