// Package secret seals values at rest (AES-256-GCM) and signs tokens (HMAC-SHA256)
// with keys derived from charla's one secret key.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keys holds the derived keys; the root key itself is not kept.
type Keys struct {
	aead    cipher.AEAD
	signing []byte
}

// ErrInvalid means a sealed value or a signed token was tampered with or made with another key.
var ErrInvalid = errors.New("invalid or tampered value")

// New derives sealing and signing keys from root (at least 32 characters).
func New(root string) (*Keys, error) {
	if len(root) < 32 {
		return nil, fmt.Errorf("CHARLA_SECRET_KEY must be at least 32 characters")
	}
	encKey, err := hkdf.Key(sha256.New, []byte(root), nil, "charla seal v1", 32)
	if err != nil {
		return nil, err
	}
	signKey, err := hkdf.Key(sha256.New, []byte(root), nil, "charla sign v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, signing: signKey}, nil
}

// LoadOrCreate returns root if set; otherwise the key kept in dataDir/secret.key,
// generating it on first start so an embedded install needs no setup.
func LoadOrCreate(root, dataDir string) (string, error) {
	if root != "" {
		return root, nil
	}
	path := filepath.Join(dataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	key := hex.EncodeToString(raw[:])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		// Another process created it first: use theirs.
		return LoadOrCreate("", dataDir)
	}
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		f.Close()
		return "", err
	}
	return key, f.Close()
}

// Seal encrypts plaintext; the result is printable and safe to store.
func (k *Keys) Seal(plaintext []byte) string {
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, plaintext, nil))
}

// Open decrypts what Seal made.
func (k *Keys) Open(sealed string) ([]byte, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return nil, ErrInvalid
	}
	n := k.aead.NonceSize()
	out, err := k.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return nil, ErrInvalid
	}
	return out, nil
}

// Sign returns payload.signature, both URL-safe base64, binding payload to purpose
// so a token made for one use can't be replayed as another.
func (k *Keys) Sign(purpose string, payload []byte) string {
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(k.mac(purpose, p))
}

// Verify checks a token made by Sign for purpose and returns its payload.
func (k *Keys) Verify(purpose, token string) ([]byte, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrInvalid
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, k.mac(purpose, p)) {
		return nil, ErrInvalid
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return nil, ErrInvalid
	}
	return payload, nil
}

func (k *Keys) mac(purpose, payload string) []byte {
	m := hmac.New(sha256.New, k.signing)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(payload))
	return m.Sum(nil)
}
