package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// serve360 handles 360dialog v2 paths: no version and no phone-number-id,
// authenticated by the D360-API-KEY header.
func (e *Emulator) serve360(w http.ResponseWriter, r *http.Request, seg []string) {
	if !e.apiKeyOK(r) {
		e.graphError(w, http.StatusUnauthorized, apiError{Code: 0, Message: "Invalid api_key"})
		return
	}
	first := seg[0]
	switch {
	case len(seg) == 1 && first == "messages" && r.Method == http.MethodPost:
		e.send(w, r, "360dialog")
	case len(seg) == 1 && first == "media" && r.Method == http.MethodPost:
		e.upload(w, r)
	case len(seg) == 1 && first == "whatsapp_business_profile":
		e.businessProfile(w, r)
	case len(seg) == 1 && first == "uploads" && r.Method == http.MethodPost:
		e.startUpload(w, r)
	case len(seg) == 1 && strings.HasPrefix(first, "upload:"):
		e.continueUpload(w, r, first)
	case len(seg) == 3 && first == "v1" && seg[1] == "configs" && seg[2] == "webhook":
		e.webhookConfig(w, r)
	case len(seg) == 3 && first == "v1" && seg[1] == "configs" && seg[2] == "templates":
		e.dialog360Templates(w, r, "")
	case len(seg) == 4 && first == "v1" && seg[1] == "configs" && seg[2] == "templates" && seg[3] != "":
		// DELETE by name: the v2 path is UNVERIFIED in providers.md; this
		// is the v1 configs style the other template calls use.
		e.dialog360Templates(w, r, seg[3])
	case len(seg) == 1 && first != "" && r.Method == http.MethodGet:
		e.mediaInfo(w, r, first)
	case len(seg) == 1 && first != "" && r.Method == http.MethodDelete:
		e.deleteMedia(w, first)
	default:
		e.graphError(w, http.StatusNotFound, unsupported(r.Method, strings.Join(seg, "/")))
	}
}

func (e *Emulator) apiKeyOK(r *http.Request) bool {
	return e.cfg.APIKey != "" && r.Header.Get("D360-API-KEY") == e.cfg.APIKey
}

// webhookConfig is 360dialog's POST|GET /v1/configs/webhook: POST
// {"url": …} sets where webhooks go, both answer {"url": …}.
func (e *Emulator) webhookConfig(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost, http.MethodPut:
		var req struct {
			URL string `json:"url"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil || req.URL == "" {
			e.graphError(w, http.StatusBadRequest, apiError{Code: 131008, Message: "Required parameter is missing", Details: "The parameter url is required."})
			return
		}
		e.SetCallback(req.URL)
	default:
		e.graphError(w, http.StatusMethodNotAllowed, unsupported(r.Method, "v1/configs/webhook"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": e.Callback()})
}
