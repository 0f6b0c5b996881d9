package wa

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/go-chi/chi/v5"

	"charla/internal/channel"
	"charla/internal/channel/whatsapp"
	"charla/internal/httpx"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/templates"
)

// DefaultMaxBody bounds a webhook delivery; Meta's are far smaller.
const DefaultMaxBody = 5 << 20

// Webhooks receives what WhatsApp delivers for charla's channels.
type Webhooks struct {
	Channels *channel.Service
	Inbox    *inbox.Service
	// Templates receives template status, quality and category webhooks.
	Templates *templates.Service
	Log       *slog.Logger
	// MaxBody bounds a delivery (0: DefaultMaxBody).
	MaxBody int64
}

// Routes mounts the webhook endpoints.
func (h *Webhooks) Routes(r chi.Router) {
	r.Get("/webhooks/whatsapp/{channel}", h.verify)
	r.Post("/webhooks/whatsapp/{channel}", h.cloud)
	r.Post("/webhooks/360dialog/{channel}/{secret}", h.dialog)
}

// verify answers Meta's subscription handshake with the channel's verify token.
func (h *Webhooks) verify(w http.ResponseWriter, r *http.Request) {
	ch, ok := h.channel(w, r, CloudType)
	if !ok {
		return
	}
	challenge, ok := whatsapp.VerifyChallenge(r.URL.Query(), settingsOf(ch).VerifyToken)
	if !ok {
		httpx.Error(w, r, problem.New(problem.Forbidden, "hub.verify_token does not match this channel's verify token"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, challenge)
}

// cloud receives a Cloud API delivery, signed with the Meta app's secret.
func (h *Webhooks) cloud(w http.ResponseWriter, r *http.Request) {
	ch, ok := h.channel(w, r, CloudType)
	if !ok {
		return
	}
	body, ok := h.read(w, r)
	if !ok {
		return
	}
	secrets, err := h.Channels.Secrets(ch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	if !whatsapp.VerifySignature(body, r.Header.Get("X-Hub-Signature-256"), secrets[secretAppSecret]) {
		httpx.Error(w, r, problem.New(problem.Unauthorized, "X-Hub-Signature-256 does not match the body signed with this channel's app secret"))
		return
	}
	h.ingest(w, r, ch, body)
}

// dialog receives a 360dialog delivery; 360dialog does not sign, so the
// URL's unguessable secret authenticates it.
func (h *Webhooks) dialog(w http.ResponseWriter, r *http.Request) {
	ch, ok := h.channel(w, r, DialogType)
	if !ok {
		return
	}
	secrets, err := h.Channels.Secrets(ch)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	want := secrets[secretPath]
	if want == "" || subtle.ConstantTimeCompare([]byte(chi.URLParam(r, "secret")), []byte(want)) != 1 {
		httpx.Error(w, r, problem.New(problem.Unauthorized, "this webhook URL's secret is not the channel's"))
		return
	}
	body, ok := h.read(w, r)
	if !ok {
		return
	}
	h.ingest(w, r, ch, body)
}

func (h *Webhooks) channel(w http.ResponseWriter, r *http.Request, typ string) (channel.Channel, bool) {
	ch, err := h.Channels.Lookup(r.Context(), chi.URLParam(r, "channel"))
	if err == nil && ch.Type != typ {
		err = problem.NotFoundf("channel")
	}
	if err != nil {
		httpx.Error(w, r, err)
		return ch, false
	}
	return ch, true
}

func (h *Webhooks) read(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	max := h.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		httpx.Error(w, r, problem.New(problem.TooLarge, "webhook body is larger than %d bytes", max))
		return nil, false
	}
	if err != nil {
		httpx.Error(w, r, problem.New(problem.BadRequest, "could not read the body: %v", err))
		return nil, false
	}
	return body, true
}

// ingest stores everything a delivery carried and answers 200 only once it
// is committed, so WhatsApp retries anything not stored.
func (h *Webhooks) ingest(w http.ResponseWriter, r *http.Request, ch channel.Channel, body []byte) {
	batch, err := whatsapp.Parse(body)
	if err != nil {
		httpx.Error(w, r, err)
		return
	}
	ctx := r.Context()
	if err := h.store(ctx, ch, batch); err != nil {
		h.Log.Error("whatsapp webhook", "channel", ch.ID, "err", err)
		httpx.Error(w, r, err)
		return
	}
	if err := h.Channels.TouchWebhook(ctx, ch.ID); err != nil {
		h.Log.Warn("record webhook time", "channel", ch.ID, "err", err)
	}
	w.WriteHeader(http.StatusOK)
}

func (h *Webhooks) store(ctx context.Context, ch channel.Channel, b whatsapp.Batch) error {
	route := h.router(ctx, ch)
	// Each sender's messages are received in the batch's order, so a
	// conversation reads as it was written; different senders' messages are
	// received concurrently, so they share one group commit.
	errs := make([]error, len(b.Messages))
	var order []string
	bySender := map[string][]int{}
	for i, m := range b.Messages {
		key := m.PhoneNumberID + "/" + m.From + "/" + m.FromUserID
		if _, seen := bySender[key]; !seen {
			order = append(order, key)
		}
		bySender[key] = append(bySender[key], i)
	}
	receive := func(i int) {
		m := b.Messages[i]
		target, ok := route(m.PhoneNumberID)
		if !ok {
			return
		}
		var res inbox.Received
		res, errs[i] = h.Inbox.Receive(ctx, inbound(target, m))
		if errs[i] == nil && res.NewConversation {
			h.greet(ctx, target, res.ConversationID)
		}
	}
	var wg sync.WaitGroup
	for n, key := range order {
		run := func() {
			for _, i := range bySender[key] {
				receive(i)
			}
		}
		if n == len(order)-1 {
			run() // the last (usually the only) sender on this goroutine
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			run()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	byChannel := map[string][]inbox.StatusReport{}
	targets := map[string]channel.Channel{}
	for _, s := range b.Statuses {
		target, ok := route(s.PhoneNumberID)
		if !ok {
			continue
		}
		targets[target.ID] = target
		byChannel[target.ID] = append(byChannel[target.ID], statusReport(s))
	}
	for id, reports := range byChannel {
		if err := h.Inbox.ApplyStatuses(ctx, targets[id], reports); err != nil {
			return err
		}
	}
	for _, e := range b.Errors {
		target, ok := route(e.PhoneNumberID)
		if ok {
			_ = h.Channels.RecordError(ctx, target.ID, webhookErrorText(e))
		}
	}
	for _, c := range b.AccountUpdates {
		h.account(ctx, ch, c)
	}
	return nil
}

// greet queues the channel's greeting into a contact's first conversation.
// The contact just wrote, so the window is open; a failure only loses the
// greeting, never the message, so it is logged.
func (h *Webhooks) greet(ctx context.Context, ch channel.Channel, convID string) {
	text := settingsOf(ch).Greeting
	if text == "" {
		return
	}
	if _, err := h.Inbox.Greet(ctx, ch.WorkspaceID, convID, text); err != nil {
		h.Log.Warn("whatsapp greeting", "channel", ch.ID, "err", err)
	}
}

// router maps a delivery's phone number ID to a channel. A Meta app has one
// callback URL for all its numbers, so a delivery may carry another number's
// items: they go to that number's channel in the same workspace, if any.
func (h *Webhooks) router(ctx context.Context, ch channel.Channel) func(phoneNumberID string) (channel.Channel, bool) {
	own := settingsOf(ch).PhoneNumberID
	var others map[string]channel.Channel
	return func(id string) (channel.Channel, bool) {
		if ch.Type == DialogType || id == "" || id == own {
			return ch, true
		}
		if others == nil {
			others = map[string]channel.Channel{}
			list, err := h.Channels.List(ctx, ch.WorkspaceID)
			if err == nil {
				for _, c := range list {
					if c.Type == CloudType {
						others[settingsOf(c).PhoneNumberID] = c
					}
				}
			}
		}
		c, ok := others[id]
		if !ok {
			h.Log.Warn("whatsapp webhook for a number with no channel", "channel", ch.ID, "phone_number_id", id)
		}
		return c, ok
	}
}

// account applies quality and limit changes; other account events are logged.
func (h *Webhooks) account(ctx context.Context, ch channel.Channel, c whatsapp.Change) {
	if h.templateEvent(ctx, ch, c) {
		return
	}
	if c.Field != "phone_number_quality_update" {
		h.Log.Info("whatsapp account event", "channel", ch.ID, "field", c.Field)
		return
	}
	q, err := whatsapp.ParseQualityUpdate(c)
	if err != nil {
		h.Log.Warn("whatsapp quality update", "channel", ch.ID, "err", err)
		return
	}
	health, err := h.Channels.Health(ctx, ch.WorkspaceID, ch.ID)
	if err != nil {
		return
	}
	info := channel.NumberInfo{}
	if health.Number != nil {
		info = *health.Number
	}
	if tier := q.Tier(); tier != "" {
		info.MessagingLimit, info.Limit = tier, limitOf(tier)
	}
	if q.Event != "" {
		info.QualityRating = qualityFromEvent(q.Event, info.QualityRating)
	}
	if err := h.Channels.RecordNumber(ctx, ch.ID, info); err != nil {
		h.Log.Warn("record number info", "channel", ch.ID, "err", err)
	}
}

func webhookErrorText(e whatsapp.WebhookError) string {
	return e.Error.Error() + " — " + e.Error.Plain()
}

func itoa(n int) string { return strconv.Itoa(n) }

// qualityFromEvent reads a quality event: a flagged number is at risk of a
// lower messaging limit (shown red), an unflagged one is healthy again.
func qualityFromEvent(event, current string) string {
	switch event {
	case "FLAGGED":
		return "RED"
	case "UNFLAGGED":
		return "GREEN"
	}
	return current
}
