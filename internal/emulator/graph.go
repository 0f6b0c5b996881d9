package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Handler serves, at its root, the Graph API paths (/{vNN.N}/…), the
// 360dialog v2 paths (/messages, /media, /{media-id}, /v1/configs/…,
// /whatsapp_business_profile, /uploads) and media downloads
// (/whatsapp_business/attachments/?mid=…). Mux adds the phone simulator and
// a /360dialog prefix.
func (e *Emulator) Handler() http.Handler {
	return http.HandlerFunc(e.serve)
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(r.URL.Path, "/")
	seg := strings.Split(path, "/")
	switch {
	case path == "whatsapp_business/attachments":
		e.download(w, r)
	case len(seg) == 2 && seg[0] == "profile_picture":
		e.profilePicture(w, r, seg[1])
	case isVersion(seg[0]):
		e.serveGraph(w, r, seg[1:])
	default:
		e.serve360(w, r, seg)
	}
}

// isVersion matches a Graph version segment, ^v[0-9]+\.[0-9]+$, without a
// regexp on every request.
func isVersion(s string) bool {
	major, minor, ok := strings.Cut(strings.TrimPrefix(s, "v"), ".")
	return ok && len(s) > 0 && s[0] == 'v' && allDigits(major) && allDigits(minor)
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request, seg []string) {
	if !e.bearerOK(r) {
		e.graphError(w, http.StatusUnauthorized, apiError{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	var first, second string
	if len(seg) > 0 {
		first = seg[0]
	}
	if len(seg) == 2 {
		second = seg[1]
	}
	switch {
	case second == "messages" && r.Method == http.MethodPost:
		if e.ownNumber(w, r, first) {
			e.send(w, r, "graph")
		}
	case second == "media" && r.Method == http.MethodPost:
		if e.ownNumber(w, r, first) {
			e.upload(w, r)
		}
	case second == "whatsapp_business_profile":
		if e.ownNumber(w, r, first) {
			e.businessProfile(w, r)
		}
	case second == "message_templates":
		if first != e.cfg.WABAID {
			e.graphError(w, http.StatusBadRequest, unsupported(r.Method, first))
			return
		}
		e.graphTemplates(w, r)
	case second == "uploads" && r.Method == http.MethodPost:
		// Any app id: the emulator does not know charla's Meta app.
		e.startUpload(w, r)
	case len(seg) == 1 && strings.HasPrefix(first, "upload:"):
		e.continueUpload(w, r, first)
	case len(seg) == 1 && first == e.cfg.PhoneNumberID && r.Method == http.MethodGet:
		e.phoneInfo(w)
	case len(seg) == 1 && r.Method == http.MethodGet:
		// GET /{id} is a template or a media object.
		if t := e.templateByID(first); t != nil {
			writeJSON(w, http.StatusOK, graphTemplate(*t))
			return
		}
		e.mediaInfo(w, r, first)
	case len(seg) == 1 && r.Method == http.MethodDelete:
		e.deleteMedia(w, first)
	default:
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, strings.Join(seg, "/")))
	}
}

func (e *Emulator) bearerOK(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		// Meta's resumable-upload guide writes "OAuth <token>".
		tok, ok = strings.CutPrefix(r.Header.Get("Authorization"), "OAuth ")
	}
	if !ok {
		tok = r.URL.Query().Get("access_token")
	}
	return e.cfg.AccessToken != "" && tok == e.cfg.AccessToken
}

func (e *Emulator) ownNumber(w http.ResponseWriter, r *http.Request, id string) bool {
	if id == e.cfg.PhoneNumberID {
		return true
	}
	e.graphError(w, http.StatusBadRequest, unsupported(r.Method, id))
	return false
}

func (e *Emulator) phoneInfo(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                       e.cfg.PhoneNumberID,
		"display_phone_number":     e.cfg.DisplayPhoneNumber,
		"verified_name":            e.cfg.VerifiedName,
		"code_verification_status": "VERIFIED",
		"quality_rating":           "GREEN",
		"status":                   "CONNECTED",
		"platform_type":            "CLOUD_API",
		"messaging_limit_tier":     "TIER_UNLIMITED",
		"throughput":               map[string]any{"level": "STANDARD"},
	})
}

// apiError is one Graph error; Message is the title without "(#code)".
type apiError struct {
	Code    int
	Message string
	Details string
}

func unsupported(method, id string) apiError {
	return apiError{Code: 100, Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation", strings.ToLower(method), id)}
}

func invalidParam(details string) apiError {
	return apiError{Code: 100, Message: "Invalid parameter", Details: details}
}

func missingParam(name string) apiError {
	return apiError{Code: 131008, Message: "Required parameter is missing", Details: "The parameter " + name + " is required."}
}

// graphError writes Graph's error envelope. fbtrace_id is a per-emulator
// counter so responses are reproducible.
func (e *Emulator) graphError(w http.ResponseWriter, status int, ae apiError) {
	body := map[string]any{
		"message":    fmt.Sprintf("(#%d) %s", ae.Code, ae.Message),
		"type":       "OAuthException",
		"code":       ae.Code,
		"fbtrace_id": fmt.Sprintf("AEmu%08d", e.nextSeq()),
	}
	if ae.Code == 190 {
		body["message"] = ae.Message
	}
	if ae.Details != "" {
		body["error_data"] = map[string]string{"messaging_product": "whatsapp", "details": ae.Details}
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
