package whatsapp

import (
	"net/url"
	"strings"
	"testing"
)

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	const secret = "app-secret"
	good := Sign(body, secret)
	if len(good) != 71 {
		t.Fatalf("Sign length %d, want 71", len(good))
	}
	tampered := append([]byte{}, body...)
	tampered[len(tampered)-2] = '{'

	tests := []struct {
		name   string
		body   []byte
		header string
		secret string
		want   bool
	}{
		{"valid", body, good, secret, true},
		{"uppercase hex accepted (same MAC bytes)", body, "sha256=" + strings.ToUpper(good[7:]), secret, true},
		{"wrong secret", body, good, "other-secret", false},
		{"tampered body", tampered, good, secret, false},
		{"extra trailing newline in body", append(append([]byte{}, body...), '\n'), good, secret, false},
		{"no prefix", body, good[7:], secret, false},
		{"uppercase prefix", body, "SHA256=" + good[7:], secret, false},
		{"sha1 prefix", body, "sha1=" + good[7:], secret, false},
		{"too short", body, good[:70], secret, false},
		{"too long", body, good + "0", secret, false},
		{"non-hex digit", body, good[:70] + "g", secret, false},
		{"surrounding space", body, " " + good, secret, false},
		{"empty header", body, "", secret, false},
		{"empty secret", body, Sign(body, ""), "", false},
		{"empty body signed", []byte{}, Sign([]byte{}, secret), secret, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := VerifySignature(tt.body, tt.header, tt.secret); got != tt.want {
				t.Fatalf("VerifySignature(%q, %q) = %v, want %v", tt.body, tt.header, got, tt.want)
			}
		})
	}
}

// A vector computed outside Go guards against Sign and VerifySignature
// agreeing on the wrong construction.
func TestVerifySignatureKnownVector(t *testing.T) {
	t.Parallel()
	// HMAC-SHA256(key "key", "The quick brown fox jumps over the lazy dog"),
	// checked with: printf '…' | openssl dgst -sha256 -hmac key
	body := []byte("The quick brown fox jumps over the lazy dog")
	header := "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
	if !VerifySignature(body, header, "key") {
		t.Fatal("known HMAC-SHA256 vector rejected")
	}
}

func TestVerifyChallenge(t *testing.T) {
	t.Parallel()
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name  string
		query url.Values
		token string
		want  string
		ok    bool
	}{
		{"ok", q("hub.mode", "subscribe", "hub.challenge", "1158201444", "hub.verify_token", "s3cret"), "s3cret", "1158201444", true},
		{"wrong token", q("hub.mode", "subscribe", "hub.challenge", "1158201444", "hub.verify_token", "guess"), "s3cret", "", false},
		{"token prefix", q("hub.mode", "subscribe", "hub.challenge", "1", "hub.verify_token", "s3cre"), "s3cret", "", false},
		{"missing token", q("hub.mode", "subscribe", "hub.challenge", "1"), "s3cret", "", false},
		{"wrong mode", q("hub.mode", "unsubscribe", "hub.challenge", "1", "hub.verify_token", "s3cret"), "s3cret", "", false},
		{"missing mode", q("hub.challenge", "1", "hub.verify_token", "s3cret"), "s3cret", "", false},
		{"missing challenge", q("hub.mode", "subscribe", "hub.verify_token", "s3cret"), "s3cret", "", false},
		{"markup challenge refused", q("hub.mode", "subscribe", "hub.challenge", "<script>", "hub.verify_token", "s3cret"), "s3cret", "", false},
		{"overlong challenge refused", q("hub.mode", "subscribe", "hub.challenge", strings.Repeat("9", 129), "hub.verify_token", "s3cret"), "s3cret", "", false},
		{"empty configured token never matches", q("hub.mode", "subscribe", "hub.challenge", "1", "hub.verify_token", ""), "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := VerifyChallenge(tt.query, tt.token)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("VerifyChallenge = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
