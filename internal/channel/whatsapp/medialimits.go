package whatsapp

import (
	"fmt"
	"strings"

	"charla/internal/problem"
)

// mediaRule is what WhatsApp accepts for one media kind (providers.md §1.9).
type mediaRule struct {
	types []string
	max   int64
}

var mediaRules = map[MediaKind]mediaRule{
	Audio:    {[]string{"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 << 20},
	Document: {[]string{"text/plain", "application/pdf", "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/msword", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/vnd.ms-powerpoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation"}, 100 << 20},
	Image:    {[]string{"image/jpeg", "image/png"}, 5 << 20},
	// Animated stickers may be 500 KB; a static one 100 KB, which WhatsApp
	// itself enforces, since the size alone does not tell them apart.
	Sticker: {[]string{"image/webp"}, 500 << 10},
	Video:   {[]string{"video/mp4", "video/3gpp"}, 16 << 20},
}

// MaxMediaBytes is the largest file WhatsApp accepts (a document).
const MaxMediaBytes = 100 << 20

// CheckMedia tells whether WhatsApp accepts a file of mimeType and size as
// kind, before anything is uploaded; the error names field.
func CheckMedia(field string, kind MediaKind, mimeType string, size int64) error {
	rule, ok := mediaRules[kind]
	if !ok {
		return problem.Field(field, "must be image, video, audio, document or sticker")
	}
	mt := strings.ToLower(strings.TrimSpace(strings.Split(mimeType, ";")[0]))
	accepted := false
	for _, t := range rule.types {
		accepted = accepted || t == mt
	}
	if !accepted {
		return problem.Field(field, fmt.Sprintf("WhatsApp does not accept %s as %s; use %s", orUnknown(mt), articled(kind), strings.Join(rule.types, ", ")))
	}
	if size > rule.max {
		return problem.Field(field, fmt.Sprintf("is %s; WhatsApp accepts %s up to %s", human(size), articled(kind), human(rule.max)))
	}
	return nil
}

// KindOf picks the media kind WhatsApp would send a file of mimeType as.
func KindOf(mimeType string) MediaKind {
	mt := strings.ToLower(strings.Split(mimeType, ";")[0])
	switch {
	case mt == "image/webp":
		return Sticker
	case strings.HasPrefix(mt, "image/"):
		return Image
	case strings.HasPrefix(mt, "video/"):
		return Video
	case strings.HasPrefix(mt, "audio/"):
		return Audio
	}
	return Document
}

func orUnknown(s string) string {
	if s == "" {
		return "a file of unknown type"
	}
	return s
}

func articled(k MediaKind) string {
	if k == Image || k == Audio {
		return "an " + string(k)
	}
	return "a " + string(k)
}

func human(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
