package whatsapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedTestdata(f *testing.F, add func(body []byte)) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no testdata seeds: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

func FuzzParse(f *testing.F) {
	seedTestdata(f, func(b []byte) { f.Add(b) })
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"object":"whatsapp_business_account","entry":[{"id":1,"time":"x","changes":[{"field":"x","value":null}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"image","image":[]}],"contacts":{}}}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"statuses":[{"timestamp":-1,"pricing":{"billable":"maybe"}}]}}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := Parse(body)
		if err != nil {
			if b.Len() != 0 {
				t.Fatalf("error %v with a non-empty batch", err)
			}
			return
		}
		assertNothingDropped(t, body, b)
		assertConsistent(t, b)
		for _, c := range b.AccountUpdates {
			// The typed helpers must not panic on whatever a change holds.
			_, _ = ParseQualityUpdate(Change{Field: FieldQualityUpdate, Value: c.Value})
			_, _ = ParseTemplateStatusUpdate(Change{Field: FieldTemplateStatusUpdate, Value: c.Value})
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	seedTestdata(f, func(b []byte) {
		f.Add(b, Sign(b, "app-secret"), "app-secret")
		f.Add(b, "sha256="+strings.Repeat("0", 64), "app-secret")
	})
	f.Add([]byte{}, "", "")
	f.Add([]byte("x"), "sha256=", "k")
	f.Fuzz(func(t *testing.T, body []byte, header, secret string) {
		ok := VerifySignature(body, header, secret)
		want := Sign(body, secret)
		if secret == "" {
			if ok {
				t.Fatal("verified with an empty secret")
			}
			return
		}
		// Only the exact MAC (hex in either case) verifies.
		if ok != (len(header) == len(want) && header[:7] == "sha256=" && strings.EqualFold(header[7:], want[7:])) {
			t.Fatalf("VerifySignature(%q, %q) = %v; correct header is %q", body, header, ok, want)
		}
		if !VerifySignature(body, want, secret) {
			t.Fatalf("own signature %q rejected", want)
		}
	})
}
