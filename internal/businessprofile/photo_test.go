package businessprofile

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"charla/internal/problem"
)

var (
	red    = color.RGBA{220, 20, 20, 255}
	green  = color.RGBA{20, 200, 20, 255}
	blue   = color.RGBA{20, 20, 220, 255}
	yellow = color.RGBA{240, 230, 20, 255}
)

// fill paints r of img with c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// quadrants is an n×n image painted blue, then red and green in the named
// quadrants ("TL", "TR", "BL", "BR"), offset by (dx, dy) inside a w×h canvas.
func quadrants(w, h, n, dx, dy int, redAt, greenAt string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fill(img, image.Rect(dx, dy, dx+n, dy+n), blue)
	half := n / 2
	at := map[string]image.Rectangle{
		"TL": image.Rect(0, 0, half, half),
		"TR": image.Rect(half, 0, n, half),
		"BL": image.Rect(0, half, half, n),
		"BR": image.Rect(half, half, n, n),
	}
	fill(img, at[redAt].Add(image.Pt(dx, dy)), red)
	fill(img, at[greenAt].Add(image.Pt(dx, dy)), green)
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifSegment is an APP1 segment whose IFD0 holds one Orientation entry,
// written by hand in either byte order.
func exifSegment(orientation uint16, bo byteOrder) []byte {
	tiff := []byte("II")
	if bo == binary.BigEndian {
		tiff = []byte("MM")
	}
	tiff = bo.AppendUint16(tiff, 42)
	tiff = bo.AppendUint32(tiff, 8) // IFD0 right after the header
	tiff = bo.AppendUint16(tiff, 1) // one entry
	tiff = bo.AppendUint16(tiff, orientationTag)
	tiff = bo.AppendUint16(tiff, 3) // SHORT
	tiff = bo.AppendUint32(tiff, 1) // one value
	tiff = bo.AppendUint16(tiff, orientation)
	tiff = append(tiff, 0, 0)       // rest of the value field
	tiff = bo.AppendUint32(tiff, 0) // no IFD1
	body := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(body)+2))
	return append(seg, body...)
}

// withSegment puts seg right after a JPEG's SOI marker.
func withSegment(jpg, seg []byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// process runs Photo and decodes what it returns, checking it is a
// 640×640 JPEG.
func process(t *testing.T, data []byte) image.Image {
	t.Helper()
	out, err := Photo(bytes.NewReader(data), 10<<20)
	if err != nil {
		t.Fatalf("Photo: %v", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
	if err != nil || format != "jpeg" || cfg.Width != PhotoSize || cfg.Height != PhotoSize {
		t.Fatalf("want a 640×640 jpeg, got %s %dx%d (%v)", format, cfg.Width, cfg.Height, err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// expect checks the colour at (x, y) is close to want (JPEG is lossy).
func expect(t *testing.T, img image.Image, x, y int, want color.RGBA, where string) {
	t.Helper()
	r, g, b, _ := img.At(x, y).RGBA()
	got := [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
	for i, w := range [3]int{int(want.R), int(want.G), int(want.B)} {
		if d := got[i] - w; d > 40 || d < -40 {
			t.Errorf("%s at (%d,%d): got rgb%v, want rgb(%d,%d,%d)", where, x, y, got, want.R, want.G, want.B)
			return
		}
	}
}

// expectUpright checks the result shows red top-left, green top-right and
// blue below.
func expectUpright(t *testing.T, img image.Image) {
	t.Helper()
	expect(t, img, 160, 160, red, "top left")
	expect(t, img, 480, 160, green, "top right")
	expect(t, img, 160, 480, blue, "bottom left")
	expect(t, img, 480, 480, blue, "bottom right")
}

// Each orientation stores the picture so that, once turned as EXIF says,
// red is top-left and green top-right. Where the two land in the stored
// pixels is worked out by hand from the EXIF definitions (e.g. 6: the
// stored left edge is the visible top).
var orientations = []struct {
	o              uint16
	redAt, greenAt string
}{
	{1, "TL", "TR"},
	{2, "TR", "TL"},
	{3, "BR", "BL"},
	{4, "BL", "BR"},
	{5, "TL", "BL"},
	{6, "BL", "TL"},
	{7, "BR", "TR"},
	{8, "TR", "BR"},
}

func TestPhotoAppliesOrientation(t *testing.T) {
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, c := range orientations {
			t.Run(bo.String()+"/"+string(rune('0'+c.o)), func(t *testing.T) {
				stored := encodeJPEG(t, quadrants(128, 128, 128, 0, 0, c.redAt, c.greenAt))
				expectUpright(t, process(t, withSegment(stored, exifSegment(c.o, bo))))
			})
		}
	}
}

func TestPhotoWithoutExifIsShownAsStored(t *testing.T) {
	expectUpright(t, process(t, encodeJPEG(t, quadrants(128, 128, 128, 0, 0, "TL", "TR"))))
	// Garbled EXIF is ignored rather than refused.
	garbled := []byte{0xFF, 0xE1, 0x00, 0x0A, 'E', 'x', 'i', 'f', 0, 0, 'X', 'X', 0, 42}
	expectUpright(t, process(t, withSegment(encodeJPEG(t, quadrants(128, 128, 128, 0, 0, "TL", "TR")), garbled)))
}

func TestPhotoCropsToTheCentre(t *testing.T) {
	cases := []struct {
		name  string
		img   *image.RGBA
		bands [2]image.Rectangle
	}{
		{"wide", quadrants(300, 100, 100, 100, 0, "TL", "TR"),
			[2]image.Rectangle{image.Rect(0, 0, 100, 100), image.Rect(200, 0, 300, 100)}},
		{"tall", quadrants(100, 300, 100, 0, 100, "TL", "TR"),
			[2]image.Rectangle{image.Rect(0, 0, 100, 100), image.Rect(0, 200, 100, 300)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fill(c.img, c.bands[0], yellow)
			fill(c.img, c.bands[1], yellow)
			img := process(t, encodePNG(t, c.img))
			expectUpright(t, img)
			// The yellow bands were cut: every edge shows the square's colours.
			for _, i := range edgeSamples() {
				first := i < PhotoSize/2
				expect(t, img, i, 1, pick(first, red, green), "top edge")
				expect(t, img, 1, i, pick(first, red, blue), "left edge")
				expect(t, img, PhotoSize-2, i, pick(first, green, blue), "right edge")
				expect(t, img, i, PhotoSize-2, blue, "bottom edge")
			}
		})
	}
}

// edgeSamples are positions along an edge, away from the middle where
// resampling blends two quadrants.
func edgeSamples() []int {
	var at []int
	for i := 4; i < PhotoSize; i += 12 {
		if i < PhotoSize/2-32 || i > PhotoSize/2+32 {
			at = append(at, i)
		}
	}
	return at
}

func pick(first bool, a, b color.RGBA) color.RGBA {
	if first {
		return a
	}
	return b
}

func TestPhotoRotatesThenCrops(t *testing.T) {
	// Stored landscape, seen portrait (orientation 6): the stored left and
	// right bands are the visible top and bottom, which the crop removes.
	stored := quadrants(192, 128, 128, 32, 0, "BL", "TL")
	fill(stored, image.Rect(0, 0, 32, 128), yellow)
	fill(stored, image.Rect(160, 0, 192, 128), yellow)
	img := process(t, withSegment(encodeJPEG(t, stored), exifSegment(6, binary.BigEndian)))
	expectUpright(t, img)
	for _, x := range edgeSamples() {
		expect(t, img, x, 2, pick(x < PhotoSize/2, red, green), "top edge")
		expect(t, img, x, PhotoSize-3, blue, "bottom edge")
	}
}

func TestPhotoFlattensTransparencyOntoWhite(t *testing.T) {
	img := process(t, encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 50, 50))))
	expect(t, img, 320, 320, color.RGBA{255, 255, 255, 255}, "centre")
}

func TestPhotoRefusesWhatIsNotAJPEGOrPNG(t *testing.T) {
	var g bytes.Buffer
	if err := gif.Encode(&g, quadrants(32, 32, 32, 0, 0, "TL", "TR"), nil); err != nil {
		t.Fatal(err)
	}
	pngData := encodePNG(t, quadrants(64, 64, 64, 0, 0, "TL", "TR"))
	jpgData := encodeJPEG(t, quadrants(64, 64, 64, 0, 0, "TL", "TR"))
	cases := map[string][]byte{
		"empty":             nil,
		"text":              []byte("hello, this is a text file named photo.jpg\n"),
		"gif":               g.Bytes(),
		"truncated png":     pngData[:len(pngData)/2],
		"png header only":   pngData[:8],
		"truncated jpeg":    jpgData[:len(jpgData)/3],
		"jpeg magic, junk":  append([]byte{0xFF, 0xD8, 0xFF}, bytes.Repeat([]byte{7}, 200)...),
		"png with no width": patchPNGSize(t, pngData, 0, 64),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Photo(bytes.NewReader(data), 1<<20)
			if !problem.Is(err, problem.Invalid) || problem.As(err).Fields["photo"] != "must be a JPEG or PNG image" {
				t.Fatalf("want a photo field error, got %v", err)
			}
		})
	}
}

func TestPhotoSizeLimit(t *testing.T) {
	data := encodePNG(t, quadrants(64, 64, 64, 0, 0, "TL", "TR"))
	if _, err := Photo(bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("exactly at the limit: %v", err)
	}
	_, err := Photo(bytes.NewReader(data), int64(len(data)-1))
	if msg := problem.As(err).Fields["photo"]; !strings.Contains(msg, "larger than") {
		t.Fatalf("want a size error, got %v", err)
	}
	_, err = Photo(bytes.NewReader(bytes.Repeat([]byte{1}, 6<<20)), 5<<20)
	if msg := problem.As(err).Fields["photo"]; !strings.Contains(msg, "larger than 5 MB") {
		t.Fatalf("want the limit named, got %v", err)
	}
}

func TestPhotoRefusesDecompressionBombs(t *testing.T) {
	// A tiny file declaring 100000×100000 pixels is refused from its
	// header, before anything is decoded.
	bomb := patchPNGSize(t, encodePNG(t, image.NewGray(image.Rect(0, 0, 8, 8))), 100000, 100000)
	_, err := Photo(bytes.NewReader(bomb), 1<<20)
	if msg := problem.As(err).Fields["photo"]; !strings.Contains(msg, "at most 40 megapixels") {
		t.Fatalf("want a megapixel error, got %v", err)
	}
}

// patchPNGSize rewrites the IHDR dimensions of a PNG and its checksum.
func patchPNGSize(t *testing.T, data []byte, w, h uint32) []byte {
	t.Helper()
	out := append([]byte{}, data...)
	// Signature (8), length (4), "IHDR" (4), then width, height.
	if string(out[12:16]) != "IHDR" {
		t.Fatal("no IHDR where expected")
	}
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512 bytes", 2048: "2 KB", 5 << 20: "5 MB", 1536 << 10: "1.5 MB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("%d: got %q, want %q", n, got, want)
		}
	}
}
