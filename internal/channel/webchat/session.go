package webchat

import (
	"net/http"
	"net/mail"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"charla/internal/httpx"
	"charla/internal/problem"
)

type sessionRequest struct {
	Token string `json:"token"`
	// Name and Email, when given, replace what the token says.
	Name  *string `json:"name"`
	Email *string `json:"email"`
}

type sessionView struct {
	Token   string      `json:"token"`
	Visitor visitorView `json:"visitor"`
}

type visitorView struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// session starts a visitor (201) or resumes the one a valid token names (200).
// Nothing is stored: the contact appears with the first message.
func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	ch := channelFrom(r)
	var req sessionRequest
	if r.ContentLength != 0 {
		if err := httpx.Decode(w, r, &req); err != nil {
			httpx.Error(w, r, err)
			return
		}
	}
	status, v, token := http.StatusCreated, newVisitor(ch), ""
	if req.Token != "" {
		var err error
		if v, err = h.verify(ch, req.Token); err != nil {
			httpx.Error(w, r, err)
			return
		}
		status, token = http.StatusOK, req.Token
	}
	before := v
	f := problem.Fields{}
	if req.Name != nil {
		v.Name = strings.TrimSpace(*req.Name)
		if utf8.RuneCountInString(v.Name) > 100 || strings.IndexFunc(v.Name, unicode.IsControl) >= 0 {
			f.Add("name", "must be at most 100 characters of plain text")
		}
	}
	if req.Email != nil {
		v.Email = strings.ToLower(strings.TrimSpace(*req.Email))
		if a, err := mail.ParseAddress(v.Email); v.Email != "" && (err != nil || a.Address != v.Email || len(v.Email) > 254) {
			f.Add("email", "is not a valid email address")
		}
	}
	pre := Parse(ch.Settings).PrechatForm
	if pre.Enabled && pre.RequireEmail && v.Email == "" && (status == http.StatusCreated || req.Email != nil) {
		f.Add("email", "is required to start the chat")
	}
	if len(f) > 0 {
		httpx.Error(w, r, invalid(f))
		return
	}
	if token == "" || v != before {
		token = h.sign(v)
	}
	httpx.JSON(w, status, sessionView{Token: token, Visitor: visitorView{Name: v.Name, Email: v.Email}})
}

// invalid is a 422 whose message names each field, because the widget shows
// the message rather than the field map.
func invalid(f problem.Fields) error {
	parts := make([]string, 0, len(f))
	for k, msg := range f {
		parts = append(parts, strings.ToUpper(k[:1])+k[1:]+" "+msg)
	}
	sort.Strings(parts)
	return &problem.Error{Kind: problem.Invalid, Message: strings.Join(parts, "; ") + ".", Fields: f}
}
