// Package channel is what every messaging channel plugs into: a Type declares
// its capabilities and validates its settings; the inbox core knows no provider.
package channel

import (
	"encoding/json"
	"sort"
	"time"
)

// Capabilities are the policies the inbox enforces for a channel type, so
// rules such as a reply window are data, not `if whatsapp` in the core.
type Capabilities struct {
	// Attachments tells whether messages may carry files.
	Attachments bool
	// MaxAttachmentBytes caps one file (0: the server's upload limit).
	MaxAttachmentBytes int64
	// ReplyWindow is how long after the contact's last inbound message free-form
	// replies may be sent (0: no window, e.g. web chat).
	ReplyWindow time.Duration
	// WindowExempt are the message kinds allowed outside the window (WhatsApp:
	// templates; Messenger later: tagged messages).
	WindowExempt []string
	// Kinds are the outgoing message kinds the channel delivers (nil: text only,
	// plus files when Attachments).
	Kinds []string
	// SendRate is the default pace of sends in messages per second (0: no
	// limit); a channel's "rate_limit" setting overrides it.
	SendRate float64
	// SelfDelivering channels deliver a stored outgoing message themselves by
	// reading the database (web chat pushes it to the visitor's socket), so an
	// outgoing message is "sent" once committed and needs no send job.
	SelfDelivering bool
}

// Type is one kind of channel ("website", later "whatsapp_cloud", …).
type Type interface {
	Name() string
	Capabilities() Capabilities
	// Configure validates settings and secrets from a create or update and
	// returns what to store. old is the stored settings on update (nil on create).
	// Errors are problem errors naming the field.
	Configure(settings json.RawMessage, secrets map[string]string, old json.RawMessage) (json.RawMessage, map[string]string, error)
}

// Registry holds the channel types this binary serves.
type Registry struct{ types map[string]Type }

func NewRegistry(types ...Type) *Registry {
	r := &Registry{types: map[string]Type{}}
	for _, t := range types {
		r.types[t.Name()] = t
	}
	return r
}

// Get returns the type called name.
func (r *Registry) Get(name string) (Type, bool) {
	t, ok := r.types[name]
	return t, ok
}

// Names lists the registered types, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.types))
	for n := range r.types {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
