package businessprofile

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strconv"
	"strings"

	"golang.org/x/image/draw"

	"charla/internal/problem"
)

const (
	// PhotoSize is the width and height of the photo WhatsApp shows.
	PhotoSize = 640
	// MaxPixels bounds the decoded size: a small file can declare a huge
	// image (a decompression bomb), so dimensions are checked first.
	MaxPixels = 40_000_000
	// PhotoMIME is the type of what Photo returns, for the upload.
	PhotoMIME    = "image/jpeg"
	photoQuality = 90
)

var (
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
)

// Photo turns an uploaded JPEG or PNG (at most maxBytes, which must be
// positive) into the profile photo WhatsApp shows: upright per its EXIF
// orientation, centre-cropped to a square, 640×640, as a JPEG. Anything
// that isn't such an image is a field error on "photo".
func Photo(r io.Reader, maxBytes int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("businessprofile: reading photo: %w", err)
	}
	if int64(len(data)) > maxBytes {
		return nil, problem.Field("photo", fmt.Sprintf("is larger than %s; choose a smaller image", humanBytes(maxBytes)))
	}
	img, orientation, err := decodePhoto(data)
	if err != nil {
		return nil, err
	}
	out := orient(squareAt(img, PhotoSize), orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: photoQuality}); err != nil {
		return nil, fmt.Errorf("businessprofile: encoding photo: %w", err)
	}
	return buf.Bytes(), nil
}

// decodePhoto decodes data by its content (never its name), after checking
// its declared dimensions, and returns its EXIF orientation.
func decodePhoto(data []byte) (image.Image, int, error) {
	var (
		config      func(io.Reader) (image.Config, error)
		decode      func(io.Reader) (image.Image, error)
		orientation = 1
	)
	switch {
	case bytes.HasPrefix(data, jpegMagic):
		config, decode = jpeg.DecodeConfig, jpeg.Decode
		orientation = jpegOrientation(data)
	case bytes.HasPrefix(data, pngMagic):
		config, decode = png.DecodeConfig, png.Decode
	default:
		return nil, 0, notAnImage()
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, 0, notAnImage()
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, 0, problem.Field("photo", fmt.Sprintf("is %d×%d pixels; use an image of at most %d megapixels",
			cfg.Width, cfg.Height, MaxPixels/1_000_000))
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, notAnImage()
	}
	return img, orientation, nil
}

func notAnImage() error {
	return problem.Field("photo", "must be a JPEG or PNG image")
}

// squareAt centre-crops img to a square and scales it to size×size. It runs
// before orienting: the centred square of a rotated or mirrored image is
// the rotated or mirrored centred square, and orienting 640×640 is cheaper
// than orienting the original. Transparency is flattened onto white, as
// JPEG has none.
func squareAt(img image.Image, size int) *image.RGBA {
	b := img.Bounds()
	s := min(b.Dx(), b.Dy())
	x0 := b.Min.X + (b.Dx()-s)/2
	y0 := b.Min.Y + (b.Dy()-s)/2
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, image.Rect(x0, y0, x0+s, y0+s), draw.Over, nil)
	return dst
}

// humanBytes writes n the way a person reads a file size.
func humanBytes(n int64) string {
	unit, div := "bytes", int64(1)
	switch {
	case n >= 1<<20:
		unit, div = "MB", 1<<20
	case n >= 1<<10:
		unit, div = "KB", 1<<10
	}
	s := strconv.FormatFloat(float64(n)/float64(div), 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " " + unit
}
