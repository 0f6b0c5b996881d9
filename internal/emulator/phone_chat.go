package emulator

import (
	"encoding/json"
	"net/url"
	"sort"
)

// chatView is one customer's conversation as the phone simulator shows it.
type chatView struct {
	WaID        string        `json:"wa_id"`
	ProfileName string        `json:"profile_name"`
	WindowOpen  bool          `json:"window_open"`
	Version     int64         `json:"version"`
	Messages    []chatMessage `json:"messages"`
}

// chatMessage is one bubble. Content is the message's object for its type
// (text, image, interactive, …) exactly as sent or received; the page
// renders it with textContent only.
type chatMessage struct {
	Dir      string          `json:"dir"` // "out": business → customer; "in": customer → business
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	At       int64           `json:"at"`
	Status   string          `json:"status,omitempty"`
	Content  json.RawMessage `json:"content,omitempty"`
	ReplyTo  string          `json:"reply_to,omitempty"`
	MediaURL string          `json:"media_url,omitempty"`
	Template *templateView   `json:"template,omitempty"`
}

// chat builds waID's conversation. It copies what it needs under the log
// lock and renders outside it.
func (e *Emulator) chat(waID string) chatView {
	waID = digits(waID)
	var outs []SentMessage
	var ins []inboundRecord
	var order []chatRef
	e.log.mu.Lock()
	version := e.log.version
	for _, ref := range e.log.chats[waID] {
		if ref.out {
			order = append(order, chatRef{out: true, i: len(outs)})
			outs = append(outs, e.log.sent[ref.i])
		} else {
			order = append(order, chatRef{i: len(ins)})
			ins = append(ins, e.log.received[ref.i])
		}
	}
	e.log.mu.Unlock()
	e.mu.RLock()
	name := e.names[waID]
	e.mu.RUnlock()
	v := chatView{WaID: waID, ProfileName: name, WindowOpen: e.WindowOpen(waID), Version: version, Messages: []chatMessage{}}
	for _, ref := range order {
		if ref.out {
			v.Messages = append(v.Messages, e.outboundView(outs[ref.i]))
		} else {
			v.Messages = append(v.Messages, inboundView(ins[ref.i]))
		}
	}
	return v
}

func (e *Emulator) outboundView(m SentMessage) chatMessage {
	c := chatMessage{Dir: "out", ID: m.ID, Type: m.Type, At: m.At.Unix(), Status: m.Status}
	if m.Body == nil {
		return c // bodies discarded: the type is all there is
	}
	var req sendRequest
	var ctx struct {
		Context struct {
			MessageID string `json:"message_id"`
		} `json:"context"`
	}
	if json.Unmarshal(m.Body, &req) != nil {
		return c
	}
	_ = json.Unmarshal(m.Body, &ctx)
	c.ReplyTo = ctx.Context.MessageID
	c.Content, _ = req.object(m.Type)
	switch m.Type {
	case "image", "video", "audio", "document", "sticker":
		c.MediaURL = mediaLink(c.Content)
	case "template":
		c.Template = e.renderTemplate(c.Content, mediaLink)
	}
	return c
}

func inboundView(r inboundRecord) chatMessage {
	c := chatMessage{Dir: "in", ID: r.ID, Type: r.Type, At: r.At.Unix()}
	c.Content, _ = json.Marshal(r.Message[r.Type])
	if ctx, ok := r.Message["context"].(map[string]string); ok {
		c.ReplyTo = ctx["id"]
	}
	if r.Type == "image" {
		c.MediaURL = mediaLink(c.Content)
	}
	return c
}

// mediaLink turns a media object ({id} or {link}) into a URL the page may
// link to: emulator media through the simulator, links only when http(s).
func mediaLink(obj json.RawMessage) string {
	var m struct {
		ID   string `json:"id"`
		Link string `json:"link"`
	}
	if json.Unmarshal(obj, &m) != nil {
		return ""
	}
	if m.ID != "" {
		return "/phone/media/" + url.PathEscape(m.ID)
	}
	if u, err := url.Parse(m.Link); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return u.String()
	}
	return ""
}

// chatSummary is one number in the simulator's picker.
type chatSummary struct {
	WaID        string `json:"wa_id"`
	ProfileName string `json:"profile_name"`
	Messages    int    `json:"messages"`
}

// chats lists every number that has a conversation, busiest first.
func (e *Emulator) chats() []chatSummary {
	e.log.mu.Lock()
	out := make([]chatSummary, 0, len(e.log.chats))
	for waID, refs := range e.log.chats {
		out = append(out, chatSummary{WaID: waID, Messages: len(refs)})
	}
	e.log.mu.Unlock()
	e.mu.RLock()
	for i := range out {
		out[i].ProfileName = e.names[out[i].WaID]
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Messages != out[j].Messages {
			return out[i].Messages > out[j].Messages
		}
		return out[i].WaID < out[j].WaID
	})
	if len(out) > 200 {
		out = out[:200] // a picker, not a report: load runs make 100k numbers
	}
	return out
}
