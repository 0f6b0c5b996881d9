package secret

import (
	"errors"
	"strings"
	"testing"
)

func keys(t *testing.T, root string) *Keys {
	t.Helper()
	k, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := keys(t, strings.Repeat("a", 32))
	sealed := k.Seal([]byte("EAAG-token"))
	if strings.Contains(sealed, "EAAG") {
		t.Fatal("sealed value contains the plaintext")
	}
	if sealed == k.Seal([]byte("EAAG-token")) {
		t.Fatal("two seals of one value must differ (random nonce)")
	}
	got, err := k.Open(sealed)
	if err != nil || string(got) != "EAAG-token" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	other := keys(t, strings.Repeat("b", 32))
	if _, err := other.Open(sealed); !errors.Is(err, ErrInvalid) {
		t.Fatalf("another key opened it: %v", err)
	}
	if _, err := k.Open(sealed[:len(sealed)-2] + "AA"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("tampered value opened: %v", err)
	}
}

func TestSignVerify(t *testing.T) {
	k := keys(t, strings.Repeat("a", 32))
	tok := k.Sign("visitor", []byte(`{"v":"1"}`))
	got, err := k.Verify("visitor", tok)
	if err != nil || string(got) != `{"v":"1"}` {
		t.Fatalf("Verify = %q, %v", got, err)
	}
	for name, bad := range map[string]string{
		"other purpose": "",
		"no dot":        strings.ReplaceAll(tok, ".", ""),
		"forged body":   "eyJ2IjoiMiJ9." + strings.SplitN(tok, ".", 2)[1],
		"empty":         "",
	} {
		purpose := "visitor"
		if name == "other purpose" {
			purpose, bad = "session", tok
		}
		if _, err := k.Verify(purpose, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: verified, want ErrInvalid", name)
		}
	}
}

func TestLoadOrCreateKeepsOneKey(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreate("", dir)
	if err != nil || len(a) < 32 {
		t.Fatalf("first: %q, %v", a, err)
	}
	b, err := LoadOrCreate("", dir)
	if err != nil || a != b {
		t.Fatalf("second start got another key: %q vs %q (%v)", a, b, err)
	}
	if c, _ := LoadOrCreate("explicit-key-explicit-key-explicit", dir); c != "explicit-key-explicit-key-explicit" {
		t.Fatalf("explicit key not used: %q", c)
	}
	if _, err := New("short"); err == nil {
		t.Fatal("short key accepted")
	}
}
