package webchat

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"

	"charla/internal/channel"
	"charla/internal/httpx"
	"charla/internal/problem"
)

// tokenPurpose binds visitor tokens to this use of the signing key.
const tokenPurpose = "webchat-visitor"

// visitor is a web-chat visitor as their signed token describes them. Name and
// email ride in the token so that no table is needed before the first message.
type visitor struct {
	Channel  string `json:"ch"`
	ID       string `json:"vid"` // the contact identity's external id on the channel
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	IssuedAt int64  `json:"iat"` // unix seconds; kept for future rotation, not enforced
}

var errBadToken = problem.New(problem.Unauthorized, "this chat session is not valid any more; start a new one")

func newVisitor(ch channel.Channel) visitor {
	id, _ := uuid.NewV7()
	return visitor{Channel: ch.ID, ID: id.String()}
}

func (h *handler) sign(v visitor) string {
	v.IssuedAt = time.Now().Unix()
	payload, _ := json.Marshal(v)
	return h.s.Keys.Sign(tokenPurpose, payload)
}

// verify accepts only a token issued for channel ch.
func (h *handler) verify(ch channel.Channel, token string) (visitor, error) {
	payload, err := h.s.Keys.Verify(tokenPurpose, token)
	if err != nil {
		return visitor{}, errBadToken
	}
	var v visitor
	if err := json.Unmarshal(payload, &v); err != nil || v.ID == "" || v.Channel != ch.ID {
		return visitor{}, errBadToken
	}
	return v, nil
}

// bearer authenticates an API call by its Authorization header.
func (h *handler) bearer(r *http.Request) (visitor, string, error) {
	tok := httpx.Bearer(r)
	v, err := h.verify(channelFrom(r), tok)
	return v, tok, err
}

// queryToken authenticates by ?token=, for what a browser fetches without
// headers (<img src>, WebSocket); a bearer header is accepted too.
func (h *handler) queryToken(r *http.Request) (visitor, string, error) {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		tok = httpx.Bearer(r)
	}
	v, err := h.verify(channelFrom(r), tok)
	return v, tok, err
}
