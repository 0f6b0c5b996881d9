package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"charla/internal/content"
)

// Outgoing is a stored message on its way to a provider.
type Outgoing struct {
	// MessageID is charla's id; providers that echo a tag get it, so a send
	// interrupted by a crash can be recognised when its status arrives.
	MessageID string
	// To is the contact's id on this channel (a WhatsApp wa_id, …).
	To      string
	Kind    string
	Body    string
	Content *content.Content
	// ReplyToProviderID is the provider's id of the message being quoted.
	ReplyToProviderID string
	Files             []File
}

// File is an attachment to upload; Open reads its bytes from the blob store.
type File struct {
	Filename    string
	ContentType string
	Size        int64
	Open        func(ctx context.Context) (io.ReadCloser, error)
}

// Validator is implemented by types that check an outgoing message against
// the provider's rules before it is stored, so an agent learns at once what
// to fix. Files carry no bytes yet (Open is nil).
type Validator interface {
	ValidateOutgoing(o Outgoing) error
}

// Sender is implemented by types that deliver messages through a provider.
// It returns the provider's message id, or a *DeliveryError.
type Sender interface {
	Send(ctx context.Context, ch Channel, secrets map[string]string, o Outgoing) (string, error)
}

// MediaFetcher is implemented by types whose inbound files stay at the
// provider until fetched by id.
type MediaFetcher interface {
	FetchMedia(ctx context.Context, ch Channel, secrets map[string]string, mediaID string) (Media, error)
}

// Media is a fetched file; the caller closes Body.
type Media struct {
	Body        io.ReadCloser
	ContentType string
	Size        int64
}

// ReadMarker is implemented by types that tell the contact an agent read their messages.
type ReadMarker interface {
	MarkRead(ctx context.Context, ch Channel, secrets map[string]string, providerMessageID string) error
}

// Activator is implemented by types that must tell the provider about a
// channel before it is stored (e.g. register a webhook URL). An error stops
// the create or update; nothing is stored.
type Activator interface {
	Activate(ctx context.Context, ch Channel, secrets map[string]string) error
}

// DeliveryError is why a provider did not take a message.
type DeliveryError struct {
	// Code, Title and Details are the provider's own words.
	Code    string
	Title   string
	Details string
	// Reason explains it in plain language, with what to do.
	Reason string
	// Retryable errors (network, 5xx, throttling) are tried again after
	// RetryAfter (0: the pipeline's backoff); others fail the message at once.
	Retryable  bool
	RetryAfter time.Duration
	Err        error
}

func (e *DeliveryError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s (%s)", e.Reason, e.Code)
	}
	return e.Reason
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// AsDeliveryError wraps any error as a DeliveryError; unknown errors are
// assumed transient (a network hiccup), so they are retried.
func AsDeliveryError(err error) *DeliveryError {
	var d *DeliveryError
	if errors.As(err, &d) {
		return d
	}
	return &DeliveryError{Reason: "could not reach the provider: " + err.Error(), Retryable: true, Err: err}
}
