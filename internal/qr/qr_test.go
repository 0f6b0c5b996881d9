package qr

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"

	bqr "github.com/boombuler/barcode/qr"

	"charla/internal/problem"
)

// decode reads a PNG and checks its size.
func decode(t *testing.T, data []byte, size int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
		t.Fatalf("got %dx%d, want %dx%d", b.Dx(), b.Dy(), size, size)
	}
	return img
}

func dark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

// grid locates the code in a PNG: where the first module starts and how
// many pixels a module is, found from the top-left finder pattern's corner
// and its 7-module width.
func grid(t *testing.T, img image.Image) (origin, scale int) {
	t.Helper()
	size := img.Bounds().Dx()
	origin = -1
	for i := 0; i < size && origin < 0; i++ {
		if dark(img, i, i) {
			origin = i
		}
	}
	if origin < 0 {
		t.Fatal("no dark pixel on the diagonal")
	}
	end := origin
	for end < size && dark(img, end, origin) {
		end++
	}
	// The finder's top edge is 7 dark modules in a row.
	if (end-origin)%7 != 0 {
		t.Fatalf("finder top edge is %d px, not a multiple of 7", end-origin)
	}
	return origin, (end - origin) / 7
}

func TestPNGMatchesTheEncodedModules(t *testing.T) {
	contents := []string{
		"https://wa.me/14155550100",
		WhatsAppLink("+44 20 7946 0958", "Hi! I'd like to book a table for 2 🍝 & a bottle of wine"),
		strings.Repeat("long text ", 200),
	}
	for _, content := range contents {
		code, err := bqr.Encode(content, bqr.M, bqr.Auto)
		if err != nil {
			t.Fatal(err)
		}
		modules := code.Bounds().Dx()
		for _, size := range Sizes {
			data, err := PNG(content, size)
			if err != nil {
				t.Fatalf("%d: %v", size, err)
			}
			img := decode(t, data, size)
			origin, scale := grid(t, img)
			if scale < 1 || origin < QuietModules*scale {
				t.Fatalf("%d px, %d modules: quiet zone %d px at %d px/module", size, modules, origin, scale)
			}
			if far := size - origin - modules*scale; far < QuietModules*scale || far-origin > 1 {
				t.Fatalf("%d px: quiet zone %d px before the code, %d after", size, origin, far)
			}
			// Every pixel outside the code is white: the quiet zone.
			for i := 0; i < size; i++ {
				for _, p := range [][2]int{{i, origin - 1}, {origin - 1, i}, {i, origin + modules*scale}, {origin + modules*scale, i}, {i, 0}, {0, i}} {
					if dark(img, p[0], p[1]) {
						t.Fatalf("%d px: dark pixel in the quiet zone at %v", size, p)
					}
				}
			}
			// Each module, sampled at its centre, is what the encoder made.
			for y := 0; y < modules; y++ {
				for x := 0; x < modules; x++ {
					want := dark(code, x, y)
					if got := dark(img, origin+x*scale+scale/2, origin+y*scale+scale/2); got != want {
						t.Fatalf("%d px: module (%d,%d) dark=%v, want %v", size, x, y, got, want)
					}
				}
			}
		}
	}
}

func TestPNGDrawsTheFinderPatterns(t *testing.T) {
	img := decode(t, mustPNG(t, "https://wa.me/14155550100", 512), 512)
	origin, scale := grid(t, img)
	code, _ := bqr.Encode("https://wa.me/14155550100", bqr.M, bqr.Auto)
	n := code.Bounds().Dx()
	// A finder is a dark 7×7 ring, a light ring, a dark 3×3 centre, and a
	// light separator row and column next to it.
	finder := func(i, j int) bool {
		if i == 7 || j == 7 {
			return false
		}
		ring := max(abs(i-3), abs(j-3))
		return ring != 2
	}
	for _, corner := range [][2]int{{0, 0}, {n - 7, 0}, {0, n - 7}} {
		for j := 0; j < 8; j++ {
			for i := 0; i < 8; i++ {
				// The separator lies on the code's side of each finder.
				mx, my := corner[0]+i, corner[1]+j
				if corner[0] > 0 {
					mx = corner[0] + 6 - i
				}
				if corner[1] > 0 {
					my = corner[1] + 6 - j
				}
				got := dark(img, origin+mx*scale+scale/2, origin+my*scale+scale/2)
				if got != finder(i, j) {
					t.Fatalf("finder at %v: module (%d,%d) dark=%v", corner, mx, my, got)
				}
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func mustPNG(t *testing.T, content string, size int) []byte {
	t.Helper()
	data, err := PNG(content, size)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestPNGRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, content string
		size          int
		field         string
	}{
		{"size not offered", "https://wa.me/1", 300, "size"},
		{"size zero", "https://wa.me/1", 0, "size"},
		{"empty content", "", 256, "content"},
		{"more than a QR code holds", strings.Repeat("x", 3000), 1024, "content"},
	}
	for _, c := range cases {
		_, err := PNG(c.content, c.size)
		if !problem.Is(err, problem.Invalid) || problem.As(err).Fields[c.field] == "" {
			t.Errorf("%s: want an error on %s, got %v", c.name, c.field, err)
		}
	}
}

func TestLargestCodeFitsTheSmallestSize(t *testing.T) {
	// Version 40 at level M holds 2331 bytes.
	content := strings.Repeat("x", 2331)
	code, err := bqr.Encode(content, bqr.M, bqr.Auto)
	if err != nil || code.Bounds().Dx() != 177 {
		t.Fatalf("want a version 40 code, got %v", err)
	}
	img := decode(t, mustPNG(t, content, 256), 256)
	if origin, scale := grid(t, img); scale != 1 || origin < QuietModules {
		t.Fatalf("origin %d, scale %d", origin, scale)
	}
}
