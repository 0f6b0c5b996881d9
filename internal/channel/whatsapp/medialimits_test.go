package whatsapp

import (
	"strings"
	"testing"
)

func TestCheckMedia(t *testing.T) {
	cases := []struct {
		kind MediaKind
		mime string
		size int64
		want string // "" accepts; else a fragment of the error
	}{
		{Image, "image/jpeg", 5 << 20, ""},
		{Image, "image/png; charset=binary", 1000, ""},
		{Image, "image/gif", 1000, "does not accept image/gif as an image"},
		{Image, "image/jpeg", 5<<20 + 1, "up to 5 MB"},
		{Video, "video/mp4", 16 << 20, ""},
		{Video, "video/quicktime", 10, "does not accept video/quicktime"},
		{Audio, "audio/ogg", 16<<20 + 1, "up to 16 MB"},
		{Document, "application/pdf", 100 << 20, ""},
		{Document, "application/zip", 10, "does not accept application/zip"},
		{Sticker, "image/webp", 500 << 10, ""},
		{Sticker, "image/webp", 500<<10 + 1, "up to 500 KB"},
		{Document, "", 1, "a file of unknown type"},
	}
	for _, c := range cases {
		err := CheckMedia("file", c.kind, c.mime, c.size)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s %s %d: %v", c.kind, c.mime, c.size, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s %d: got %v, want %q", c.kind, c.mime, c.size, err, c.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	for mime, want := range map[string]MediaKind{"image/jpeg": Image, "image/webp": Sticker, "video/mp4": Video,
		"audio/ogg; codecs=opus": Audio, "application/pdf": Document, "": Document} {
		if got := KindOf(mime); got != want {
			t.Errorf("KindOf(%q) = %s, want %s", mime, got, want)
		}
	}
}
