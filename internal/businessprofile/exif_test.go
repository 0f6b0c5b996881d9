package businessprofile

import (
	"encoding/binary"
	"testing"
)

func TestJPEGOrientation(t *testing.T) {
	soi := []byte{0xFF, 0xD8}
	jfif := []byte{0xFF, 0xE0, 0x00, 0x07, 'J', 'F', 'I', 'F', 0}
	sos := []byte{0xFF, 0xDA, 0x00, 0x02}
	join := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	le, be := binary.LittleEndian, binary.BigEndian
	// withEntry patches the Orientation entry's type and count.
	withEntry := func(typ uint16, count uint32) []byte {
		seg := exifSegment(6, le)
		entry := 4 + 6 + 8 + 2 // marker+length, "Exif\0\0", TIFF header, entry count
		le.PutUint16(seg[entry+2:], typ)
		le.PutUint32(seg[entry+4:], count)
		return seg
	}
	otherTag := exifSegment(6, be)
	be.PutUint16(otherTag[4+6+8+2:], 0x010F) // Make, not Orientation

	cases := []struct {
		name string
		data []byte
		want int
	}{
		{"little endian", join(soi, exifSegment(6, le), sos), 6},
		{"big endian", join(soi, exifSegment(8, be), sos), 8},
		{"after a JFIF segment", join(soi, jfif, exifSegment(3, be), sos), 3},
		{"after fill bytes", join(soi, []byte{0xFF}, exifSegment(5, le), sos), 5},
		{"no EXIF", join(soi, jfif, sos), 1},
		{"EXIF after the image data is not looked for", join(soi, sos, exifSegment(6, le)), 1},
		{"not a JPEG", join([]byte{0x89, 'P'}, exifSegment(6, le)), 1},
		{"value out of range", join(soi, exifSegment(9, le), sos), 1},
		{"value zero", join(soi, exifSegment(0, be), sos), 1},
		{"wrong type", join(soi, withEntry(4, 1), sos), 1},
		{"wrong count", join(soi, withEntry(3, 2), sos), 1},
		{"no orientation entry", join(soi, otherTag, sos), 1},
		{"truncated segment", join(soi, exifSegment(6, le)[:20]), 1},
		{"length shorter than itself", join(soi, []byte{0xFF, 0xE1, 0x00, 0x01}, sos), 1},
		{"bad byte order", join(soi, []byte{0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'X', 'X', 0, 42, 0, 0, 0, 8}, sos), 1},
		{"IFD offset past the end", join(soi, []byte{0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xFF, 0, 0, 0}, sos), 1},
		{"garbage between segments", join(soi, []byte{0x12, 0x34}, exifSegment(6, le)), 1},
	}
	for _, c := range cases {
		if got := jpegOrientation(c.data); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

func FuzzJPEGOrientation(f *testing.F) {
	f.Add(append([]byte{0xFF, 0xD8}, exifSegment(6, binary.LittleEndian)...))
	f.Add(append([]byte{0xFF, 0xD8}, exifSegment(3, binary.BigEndian)...))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := jpegOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d out of 1–8", o)
		}
	})
}
