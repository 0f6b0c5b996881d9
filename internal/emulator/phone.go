package emulator

import (
	"embed"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed phone
var phoneFiles embed.FS

// Mux serves everything `charla emulator` exposes: the Graph API (and
// 360dialog paths) at the root as Handler does, 360dialog also under
// /360dialog (so a 360dialog base URL of …/360dialog keeps the two apart),
// and the phone simulator under /phone.
func (e *Emulator) Mux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", e.Handler())
	mux.Handle("/360dialog/", http.StripPrefix("/360dialog", e.Handler()))
	mux.Handle("/phone", e.Phone())
	mux.Handle("/phone/", e.Phone())
	return mux
}

// Phone is the phone simulator: a page (/phone) where a person plays the
// customer, and the small JSON API it polls and posts to (/phone/api/…).
// Requests from other sites are refused, so a web page cannot post webhooks
// in the customer's name or move the callback.
func (e *Emulator) Phone() http.Handler {
	static, _ := fs.Sub(phoneFiles, "phone")
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = "/"
		securePage(w)
		files.ServeHTTP(w, r)
	}
	mux.HandleFunc("GET /phone", page)
	mux.HandleFunc("GET /phone/{$}", page)
	mux.Handle("GET /phone/static/", http.StripPrefix("/phone/static", files))
	mux.HandleFunc("GET /phone/api/chats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"chats": e.chats()})
	})
	mux.HandleFunc("GET /phone/api/chat", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.chat(r.URL.Query().Get("wa_id")))
	})
	mux.HandleFunc("GET /phone/api/settings", e.phoneSettings)
	mux.HandleFunc("POST /phone/api/settings", e.phoneSettings)
	mux.HandleFunc("POST /phone/api/send", e.phoneSend)
	mux.HandleFunc("POST /phone/api/image", e.phoneImage)
	mux.HandleFunc("POST /phone/api/read", e.phoneRead)
	mux.HandleFunc("GET /phone/media/{id}", e.phoneMedia)
	return http.NewCrossOriginProtection().Handler(mux)
}

// securePage forbids anything but the simulator's own script and styles.
func securePage(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
}

// phoneSettings reads or sets the callback URL and tells the page who the
// business is.
func (e *Emulator) phoneSettings(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var req struct {
			Callback string `json:"callback"`
		}
		if !decodeBody(w, r, &req) {
			return
		}
		e.SetCallback(strings.TrimSpace(req.Callback))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"callback":             e.Callback(),
		"display_phone_number": e.cfg.DisplayPhoneNumber,
		"verified_name":        e.cfg.VerifiedName,
		"pending":              e.Pending(),
	})
}

// phoneAction is what the page posts when the customer does something.
type phoneAction struct {
	WaID        string  `json:"wa_id"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"` // text, location, button_reply, list_reply, quick_reply
	Text        string  `json:"text"`
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Payload     string  `json:"payload"`
	Latitude    float64 `json:"latitude"`
	Longitude   float64 `json:"longitude"`
	Address     string  `json:"address"`
	ReplyTo     string  `json:"reply_to"`
}

func (a phoneAction) spec() (InboundSpec, bool) {
	s := InboundSpec{ReplyTo: a.ReplyTo}
	switch a.Kind {
	case "text":
		s.Text = a.Text
		return s, strings.TrimSpace(a.Text) != ""
	case "location":
		s.Location = &InboundLocation{Latitude: a.Latitude, Longitude: a.Longitude, Name: a.Text, Address: a.Address}
	case "button_reply":
		s.ButtonReply = &InboundButton{ID: a.ID, Title: a.Title}
	case "list_reply":
		s.ListReply = &InboundListReply{ID: a.ID, Title: a.Title, Description: a.Description}
	case "quick_reply":
		s.QuickReply = &InboundQuickReply{Payload: a.Payload, Text: a.Title}
	default:
		return s, false
	}
	return s, true
}

func (e *Emulator) phoneSend(w http.ResponseWriter, r *http.Request) {
	var a phoneAction
	if !decodeBody(w, r, &a) {
		return
	}
	spec, ok := a.spec()
	if !ok || digits(a.WaID) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "need a customer number and something to send"})
		return
	}
	e.customerDid(w, r, a.WaID, a.Name, spec)
}

// phoneImage takes a multipart form (wa_id, name, caption, file).
func (e *Emulator) phoneImage(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<20)
	f, hdr, err := r.FormFile("file")
	if err != nil || digits(r.FormValue("wa_id")) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "need a customer number and an image file (up to 16 MB)"})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	typ := http.DetectContentType(data)
	if !strings.HasPrefix(typ, "image/") {
		typ = hdr.Header.Get("Content-Type")
	}
	e.customerDid(w, r, r.FormValue("wa_id"), r.FormValue("name"),
		InboundSpec{Image: &InboundImage{Data: data, MimeType: typ, Caption: r.FormValue("caption")}})
}

// customerDid sends spec as the customer. A delivery error is reported
// but is not a failure of the request: the message exists and stays queued.
func (e *Emulator) customerDid(w http.ResponseWriter, r *http.Request, waID, name string, spec InboundSpec) {
	id, err := e.CustomerSends(r.Context(), waID, name, spec)
	if id == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	resp := map[string]string{"id": id}
	if err != nil {
		resp["delivery_error"] = err.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}

func (e *Emulator) phoneRead(w http.ResponseWriter, r *http.Request) {
	var req struct {
		WaID string   `json:"wa_id"`
		IDs  []string `json:"ids"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	n, err := e.CustomerReads(r.Context(), req.WaID, req.IDs...)
	resp := map[string]any{"read": n}
	if err != nil {
		resp["delivery_error"] = err.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}

// phoneMedia serves emulator media to the page. It is sandboxed and, unless
// it is an image, audio or video, downloaded rather than shown: a business
// could have uploaded HTML.
func (e *Emulator) phoneMedia(w http.ResponseWriter, r *http.Request) {
	data, typ, ok := e.Media(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	if !strings.HasPrefix(typ, "image/") && !strings.HasPrefix(typ, "audio/") && !strings.HasPrefix(typ, "video/") {
		w.Header().Set("Content-Disposition", "attachment")
	}
	_, _ = w.Write(data)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body must be JSON: " + err.Error()})
		return false
	}
	return true
}
