package channel

import (
	"context"

	"charla/internal/problem"
)

// Linker is implemented by types whose chats a customer can open from a
// link, which charla also offers as a QR code: wa.me for WhatsApp, the
// chat page for the website channel.
type Linker interface {
	// ChatLink builds the link; h is what charla knows of the connection
	// (a number learned by a check), baseURL charla's public URL, and text an
	// optional message to prefill, which types without prefill ignore.
	ChatLink(ch Channel, h Health, baseURL, text string) (string, error)
}

// ChatLink returns the link that opens a chat with channel id.
func (s *Service) ChatLink(ctx context.Context, ws, id, baseURL, text string) (string, error) {
	ch, err := s.Get(ctx, ws, id)
	if err != nil {
		return "", err
	}
	t, _ := s.types.Get(ch.Type)
	l, ok := t.(Linker)
	if !ok {
		return "", problem.New(problem.Conflict, "a %s channel has no chat link", ch.Type)
	}
	h, err := s.Health(ctx, ws, id)
	if err != nil {
		return "", err
	}
	return l.ChatLink(ch, h, baseURL, text)
}
