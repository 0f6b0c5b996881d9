package api

import (
	"net/http"

	"charla/internal/httpx"
)

// decodeJSON reads a JSON object of at most limit bytes into dst (a pointer
// to a struct), holding every nested object to its struct (decodeStrict). It
// answers like httpx.Decode (400 for what cannot be parsed, 413, 422 naming
// fields) for bodies that may be larger than httpx's 1 MiB, such as a
// template carrying its media sample.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	data, err := httpx.ReadJSON(w, r, limit)
	if err != nil {
		return err
	}
	return decodeStrict(data, dst, "")
}
