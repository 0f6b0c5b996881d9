package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/url"
)

// SignatureHeader carries HMAC-SHA256(app secret, raw body) on every POST.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// VerifySignature checks an X-Hub-Signature-256 header ("sha256=" and 64 hex
// digits) against the raw request body. It must be given the exact bytes
// received: re-encoded JSON would not match.
//
// Meta sends lowercase hex; uppercase digits are accepted too because they
// encode the same MAC and the comparison is on the decoded bytes. The prefix
// must be exactly "sha256=". An empty app secret never verifies: a channel
// without a secret must not accept forged deliveries.
func VerifySignature(body []byte, header, appSecret string) bool {
	if appSecret == "" || len(header) != len(signaturePrefix)+2*sha256.Size || header[:len(signaturePrefix)] != signaturePrefix {
		return false
	}
	got, err := hex.DecodeString(header[len(signaturePrefix):])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 value Meta would send for body; it
// exists for tests and local fakes that play Meta's part.
func Sign(body []byte, appSecret string) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return signaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// maxChallenge bounds the echoed hub.challenge; Meta sends a short number.
const maxChallenge = 128

// VerifyChallenge answers Meta's subscription handshake
// (GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…): ok only when
// the mode is "subscribe" and the token matches verifyToken; the challenge is
// what the endpoint must echo as the response body.
//
// The challenge is restricted to letters, digits, '-', '_' and '.' (Meta
// sends digits) because it is reflected verbatim into a response body.
func VerifyChallenge(query url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || query.Get("hub.mode") != "subscribe" {
		return "", false
	}
	// Compare digests so the comparison takes the same time whatever the
	// lengths of the two tokens.
	got := sha256.Sum256([]byte(query.Get("hub.verify_token")))
	want := sha256.Sum256([]byte(verifyToken))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return "", false
	}
	c := query.Get("hub.challenge")
	if c == "" || len(c) > maxChallenge || !isChallengeText(c) {
		return "", false
	}
	return c, true
}

func isChallengeText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}
