package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

var versionRe = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// Handler serves the Graph API paths (/{vNN.N}/…), the 360dialog v2 paths
// (/messages, /media, /{media-id}, /v1/configs/webhook) and media downloads
// (/whatsapp_business/attachments/?mid=…).
func (e *Emulator) Handler() http.Handler {
	return http.HandlerFunc(e.serve)
}

func (e *Emulator) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(r.URL.Path, "/")
	seg := strings.Split(path, "/")
	switch {
	case path == "whatsapp_business/attachments":
		e.download(w, r)
	case versionRe.MatchString(seg[0]):
		e.serveGraph(w, r, seg[1:])
	default:
		e.serve360(w, r, seg)
	}
}

func (e *Emulator) serveGraph(w http.ResponseWriter, r *http.Request, seg []string) {
	if !e.bearerOK(r) {
		e.graphError(w, http.StatusUnauthorized, apiError{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	switch {
	case len(seg) == 2 && seg[1] == "messages" && r.Method == http.MethodPost:
		if !e.ownNumber(w, r, seg[0]) {
			return
		}
		e.send(w, r, "graph")
	case len(seg) == 2 && seg[1] == "media" && r.Method == http.MethodPost:
		if !e.ownNumber(w, r, seg[0]) {
			return
		}
		e.upload(w, r)
	case len(seg) == 1 && seg[0] == e.cfg.PhoneNumberID && r.Method == http.MethodGet:
		e.phoneInfo(w)
	case len(seg) == 1 && r.Method == http.MethodGet:
		e.mediaInfo(w, r, seg[0])
	case len(seg) == 1 && r.Method == http.MethodDelete:
		e.deleteMedia(w, seg[0])
	default:
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, strings.Join(seg, "/")))
	}
}

func (e *Emulator) bearerOK(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
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

// sendRequest is the part of a send body the emulator checks.
type sendRequest struct {
	MessagingProduct string          `json:"messaging_product"`
	To               string          `json:"to"`
	Type             string          `json:"type"`
	Status           string          `json:"status"`
	MessageID        string          `json:"message_id"`
	Context          json.RawMessage `json:"context"`
}

var sendTypes = map[string]bool{
	"text": true, "image": true, "video": true, "audio": true, "document": true, "sticker": true,
	"location": true, "contacts": true, "reaction": true, "template": true, "interactive": true,
}

// send handles POST …/messages for both APIs.
func (e *Emulator) send(w http.ResponseWriter, r *http.Request, api string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 100, Message: "Invalid parameter", Details: "could not read body"})
		return
	}
	var req sendRequest
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &req) != nil || json.Unmarshal(body, &fields) != nil {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 100, Message: "Invalid parameter", Details: "request body is not a JSON object"})
		return
	}
	if req.Type == "" && req.Status == "" {
		req.Type = "text" // Graph's default
	}
	if ae, ok := checkSend(req, fields); !ok {
		e.graphError(w, http.StatusBadRequest, ae)
		return
	}
	if req.Status == "read" {
		e.mu.Lock()
		e.reads = append(e.reads, req.MessageID)
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	waID := digits(req.To)
	e.mu.Lock()
	now := e.cfg.Clock()
	if ok, wait := e.bucket.take(now); !ok {
		e.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
		e.graphError(w, http.StatusTooManyRequests, apiError{Code: 130429, Message: "Rate limit hit",
			Details: "Message failed to send because there were too many messages sent from this phone number in a short period of time."})
		return
	}
	if !e.exists(waID) {
		e.mu.Unlock()
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131026, Message: "Message Undeliverable",
			Details: "Message Undeliverable."})
		return
	}
	if req.Type != "template" && !e.windowOpenLocked(waID) {
		e.mu.Unlock()
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131047, Message: "Re-engagement message",
			Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."})
		return
	}
	id := fmt.Sprintf("wamid.EMU%s%012d", waID, e.nextSeq())
	e.sent = append(e.sent, SentMessage{ID: id, To: req.To, WaID: waID, Type: req.Type, API: api, Body: body, At: now})
	for _, st := range e.statuses {
		e.queue = append(e.queue, statusEvent{id: id, waID: waID, status: st, template: req.Type == "template"})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": req.To, "wa_id": waID}},
		"messages":          []map[string]string{{"id": id}},
	})
	if e.cfg.AutoStatuses {
		go func() {
			if err := e.Flush(context.Background()); err != nil {
				e.logf("emulator: status delivery: %v", err)
			}
		}()
	}
}

// checkSend validates a send body minimally: product, recipient, type and
// the object named by the type (or a well-formed mark-as-read).
func checkSend(req sendRequest, fields map[string]json.RawMessage) (apiError, bool) {
	missing := func(p string) (apiError, bool) {
		return apiError{Code: 131008, Message: "Required parameter is missing", Details: "The parameter " + p + " is required."}, false
	}
	if _, ok := fields["messaging_product"]; !ok {
		return missing("messaging_product")
	}
	if req.MessagingProduct != "whatsapp" {
		return apiError{Code: 100, Message: "Invalid parameter", Details: "messaging_product must be \"whatsapp\"."}, false
	}
	if req.Status != "" {
		if req.Status != "read" {
			return apiError{Code: 100, Message: "Invalid parameter", Details: "status must be \"read\"."}, false
		}
		if req.MessageID == "" {
			return missing("message_id")
		}
		return apiError{}, true
	}
	if digits(req.To) == "" {
		return missing("to")
	}
	typ := req.Type
	if !sendTypes[typ] {
		return apiError{Code: 100, Message: "Invalid parameter", Details: "Unsupported message type " + strconv.Quote(typ) + "."}, false
	}
	obj, ok := fields[typ]
	if !ok || len(obj) == 0 || string(obj) == "null" {
		return missing(typ)
	}
	return apiError{}, true
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

// graphError writes Graph's error envelope. fbtrace_id is a per-emulator
// counter so responses are reproducible.
func (e *Emulator) graphError(w http.ResponseWriter, status int, ae apiError) {
	e.mu.Lock()
	trace := fmt.Sprintf("AEmu%08d", e.nextSeq())
	e.mu.Unlock()
	body := map[string]any{
		"message":    fmt.Sprintf("(#%d) %s", ae.Code, ae.Message),
		"type":       "OAuthException",
		"code":       ae.Code,
		"fbtrace_id": trace,
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
