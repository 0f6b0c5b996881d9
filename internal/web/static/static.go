// Package static holds the agent UI's browser assets, embedded in the binary
// so that neither building nor running charla needs Node. htmx and its SSE
// extension are vendored copies (see VENDORED.md); app.js and app.css are ours.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"sync"
)

//go:embed *.js *.css *.svg
var files embed.FS

// Asset is one embedded file with the hash that versions its URL.
type Asset struct {
	Name string
	Body []byte
	// Hash is a prefix of the SHA-256 of Body: a new build with changed
	// content gets a new URL, so browsers may cache each URL forever.
	Hash string
}

var (
	once   sync.Once
	assets map[string]Asset
)

func load() {
	assets = map[string]Asset{}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic("static: " + err.Error()) // embedded at build time: cannot fail
	}
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			panic("static: " + err.Error())
		}
		sum := sha256.Sum256(b)
		assets[e.Name()] = Asset{Name: e.Name(), Body: b, Hash: hex.EncodeToString(sum[:6])}
	}
}

// Get returns the asset called name.
func Get(name string) (Asset, bool) {
	once.Do(load)
	a, ok := assets[name]
	return a, ok
}

// URL is the versioned path templates link to, e.g. /static/app.css?v=3f2a….
func URL(name string) string {
	a, ok := Get(name)
	if !ok {
		panic("static: no asset " + name) // a typo in a template; caught by any test that renders it
	}
	return "/static/" + name + "?v=" + a.Hash
}
