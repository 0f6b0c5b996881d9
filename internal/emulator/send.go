package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sendRequest is the part of a send body the emulator checks, decoded in
// one pass: each content object stays raw and only the one named by Type
// is looked at.
type sendRequest struct {
	MessagingProduct *string `json:"messaging_product"`
	To               string  `json:"to"`
	Type             string  `json:"type"`
	Status           string  `json:"status"`
	MessageID        string  `json:"message_id"`
	CallbackData     string  `json:"biz_opaque_callback_data"`

	Text        json.RawMessage `json:"text"`
	Image       json.RawMessage `json:"image"`
	Video       json.RawMessage `json:"video"`
	Audio       json.RawMessage `json:"audio"`
	Document    json.RawMessage `json:"document"`
	Sticker     json.RawMessage `json:"sticker"`
	Location    json.RawMessage `json:"location"`
	Contacts    json.RawMessage `json:"contacts"`
	Reaction    json.RawMessage `json:"reaction"`
	Template    json.RawMessage `json:"template"`
	Interactive json.RawMessage `json:"interactive"`
}

// object returns the content object named by typ; ok is false for a type
// the Cloud API does not send.
func (r *sendRequest) object(typ string) (obj json.RawMessage, ok bool) {
	switch typ {
	case "text":
		return r.Text, true
	case "image":
		return r.Image, true
	case "video":
		return r.Video, true
	case "audio":
		return r.Audio, true
	case "document":
		return r.Document, true
	case "sticker":
		return r.Sticker, true
	case "location":
		return r.Location, true
	case "contacts":
		return r.Contacts, true
	case "reaction":
		return r.Reaction, true
	case "template":
		return r.Template, true
	case "interactive":
		return r.Interactive, true
	}
	return nil, false
}

// maxCallbackData is biz_opaque_callback_data's limit (providers.md §1.7).
const maxCallbackData = 512

type sendResponse struct {
	MessagingProduct string              `json:"messaging_product"`
	Contacts         []sendContact       `json:"contacts"`
	Messages         []map[string]string `json:"messages"`
}

type sendContact struct {
	Input string `json:"input"`
	WaID  string `json:"wa_id"`
}

// send handles POST …/messages for both APIs. Its order of checks is
// Meta's as far as it shows: body, rate, recipient, then template or window.
func (e *Emulator) send(w http.ResponseWriter, r *http.Request, api string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		e.graphError(w, http.StatusBadRequest, invalidParam("could not read body"))
		return
	}
	var req sendRequest
	if json.Unmarshal(body, &req) != nil {
		e.graphError(w, http.StatusBadRequest, invalidParam("request body is not a JSON object"))
		return
	}
	if req.Type == "" && req.Status == "" {
		req.Type = "text" // Graph's default
	}
	if ae, ok := checkSend(&req); !ok {
		e.graphError(w, http.StatusBadRequest, ae)
		return
	}
	if req.Status == "read" {
		e.addReadMark(req.MessageID)
		writeJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	waID := digits(req.To)
	now := e.cfg.Clock()
	if ok, wait := e.bucket.take(now); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
		e.graphError(w, http.StatusTooManyRequests, apiError{Code: 130429, Message: "Rate limit hit",
			Details: "Message failed to send because there were too many messages sent from this phone number in a short period of time."})
		return
	}
	if !e.exists(waID) {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131026, Message: "Message Undeliverable",
			Details: "Message Undeliverable."})
		return
	}
	category := ""
	if req.Type == "template" {
		// Templates are how a business opens a conversation: no window
		// needed, but the template must be approved in that language.
		t, status, ae := e.checkTemplateSend(req.Template)
		if ae != nil {
			e.graphError(w, status, *ae)
			return
		}
		category = strings.ToLower(t.Category)
	} else if !e.WindowOpen(waID) {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131047, Message: "Re-engagement message",
			Details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number."})
		return
	}
	id := fmt.Sprintf("wamid.EMU%s%012d", waID, e.nextSeq())
	m := SentMessage{ID: id, To: req.To, WaID: waID, Type: req.Type, API: api, At: now, CallbackData: req.CallbackData, category: category}
	if !e.cfg.DiscardBodies {
		m.Body = body
	}
	e.log.addSent(m)
	evs := make([]statusEvent, len(e.cfg.Statuses))
	for i, st := range e.cfg.Statuses {
		evs[i] = statusEvent{id: id, waID: waID, status: st, category: category, callbackData: req.CallbackData}
	}
	writeJSON(w, http.StatusOK, sendResponse{
		MessagingProduct: "whatsapp",
		Contacts:         []sendContact{{Input: req.To, WaID: waID}},
		Messages:         []map[string]string{{"id": id}},
	})
	// After the answer is written (it goes out when the handler returns),
	// so in auto mode a status rarely beats the wamid to the sender; Meta
	// gives no such promise, and senders must cope either way.
	e.queueStatuses(evs...)
}

// checkSend validates a send body minimally: product, recipient, type and
// the object named by the type (or a well-formed mark-as-read).
func checkSend(req *sendRequest) (apiError, bool) {
	if req.MessagingProduct == nil {
		return missingParam("messaging_product"), false
	}
	if *req.MessagingProduct != "whatsapp" {
		return invalidParam("messaging_product must be \"whatsapp\"."), false
	}
	if req.Status != "" {
		if req.Status != "read" {
			return invalidParam("status must be \"read\"."), false
		}
		if req.MessageID == "" {
			return missingParam("message_id"), false
		}
		return apiError{}, true
	}
	if digits(req.To) == "" {
		return missingParam("to"), false
	}
	obj, known := req.object(req.Type)
	if !known {
		return invalidParam("Unsupported message type " + strconv.Quote(req.Type) + "."), false
	}
	if len(obj) == 0 || string(obj) == "null" {
		return missingParam(req.Type), false
	}
	if utf8.RuneCountInString(req.CallbackData) > maxCallbackData {
		return invalidParam("biz_opaque_callback_data must be at most 512 characters."), false
	}
	return apiError{}, true
}
