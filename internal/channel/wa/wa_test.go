package wa_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/channel/whatsapp"
	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/emulator"
	"charla/internal/inbox"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestVerifyHandshake(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		var s wa.Settings
		_ = json.Unmarshal(e.ch.Settings, &s)
		if len(s.VerifyToken) < 32 {
			t.Fatalf("verify token not generated: %q", s.VerifyToken)
		}
		get := func(url string) (int, string) {
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b := make([]byte, 512)
			n, _ := resp.Body.Read(b)
			return resp.StatusCode, string(b[:n])
		}
		if code, body := get(e.webhookURL() + "?hub.mode=subscribe&hub.verify_token=" + s.VerifyToken + "&hub.challenge=1158201444"); code != 200 || body != "1158201444" {
			t.Fatalf("handshake: %d %q", code, body)
		}
		if code, _ := get(e.webhookURL() + "?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1"); code != http.StatusForbidden {
			t.Fatalf("wrong token: %d", code)
		}
		if code, _ := get(e.url + "/webhooks/whatsapp/01900000-0000-7000-8000-000000000000?hub.mode=subscribe"); code != http.StatusNotFound {
			t.Fatalf("unknown channel: %d", code)
		}
	})
}

func TestReceiveRejectsBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		good := e.envelope([]map[string]any{{"from": "5511987654321", "id": "wamid.A", "timestamp": unixAt(time.Now()),
			"type": "text", "text": map[string]any{"body": "hola"}}}, nil)
		if code, _ := e.post(e.webhookURL(), good, "sha256=0000"); code != http.StatusUnauthorized {
			t.Fatalf("bad signature: %d", code)
		}
		if code, _ := e.post(e.webhookURL(), good, whatsapp256(good, "another-secret")); code != http.StatusUnauthorized {
			t.Fatalf("other app's signature: %d", code)
		}
		if code, body := e.post(e.webhookURL(), []byte(`{"object":"whatsapp_business_account","entry":"nope"}`), ""); code != http.StatusBadRequest {
			t.Fatalf("malformed: %d %s", code, body)
		}
		big := []byte(`{"object":"whatsapp_business_account","entry":[],"pad":"` + strings.Repeat("x", 70<<10) + `"}`)
		if code, _ := e.post(e.webhookURL(), big, ""); code != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized: %d", code)
		}
		if len(e.conversations()) != 0 {
			t.Fatal("a rejected webhook stored something")
		}
		if err := e.s.Channels.Delete(context.Background(), e.owner.WorkspaceID, e.ch.ID); err != nil {
			t.Fatal(err)
		}
		if code, _ := e.post(e.webhookURL(), good, ""); code != http.StatusNotFound {
			t.Fatalf("deleted channel: %d", code)
		}
	})
}

func TestReceiveEveryKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		from := "5511987654321"
		first, err := e.emu.CustomerSends(ctx, from, "Ana Souza", emulator.Text("Oi, tudo bem?"))
		if err != nil {
			t.Fatal(err)
		}
		png := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\x00", 64))
		if _, err := e.emu.CustomerSends(ctx, from, "Ana Souza", emulator.InboundSpec{Image: &emulator.InboundImage{Data: png, MimeType: "image/png", Caption: "my receipt"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.emu.CustomerSends(ctx, from, "Ana Souza", emulator.InboundSpec{Location: &emulator.InboundLocation{Latitude: -23.56, Longitude: -46.65, Name: "Av. <Paulista>"}, ReplyTo: first}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.emu.CustomerSends(ctx, from, "Ana Souza", emulator.InboundSpec{ButtonReply: &emulator.InboundButton{ID: "yes", Title: "Yes please"}}); err != nil {
			t.Fatal(err)
		}
		e.eventually("4 messages", func() bool {
			cs := e.conversations()
			return len(cs) == 1 && len(e.messages(cs[0].ID)) == 4
		})
		now := unixAt(time.Now())
		// A reaction to the first message, a type nobody knows, and a Meta
		// retry of the first message, in one batched delivery.
		batch := e.envelope([]map[string]any{
			{"from": from, "id": "wamid.R1", "timestamp": now, "type": "reaction", "reaction": map[string]any{"message_id": first, "emoji": "👍"}},
			{"from": from, "id": "wamid.P1", "timestamp": now, "type": "poll_vote", "poll_vote": map[string]any{"option": "B"}},
			{"from": from, "id": first, "timestamp": now, "type": "text", "text": map[string]any{"body": "Oi, tudo bem?"}},
		}, nil, map[string]any{"wa_id": from, "profile": map[string]any{"name": "Ana Souza"}})
		if code, body := e.post(e.webhookURL(), batch, ""); code != http.StatusOK {
			t.Fatalf("batch: %d %s", code, body)
		}
		var convID string
		e.eventually("6 messages", func() bool {
			cs := e.conversations()
			if len(cs) == 1 {
				convID = cs[0].ID
				return len(e.messages(convID)) == 6
			}
			return false
		})
		ms := e.messages(convID)
		kinds := []string{}
		for _, m := range ms {
			kinds = append(kinds, m.Kind)
		}
		want := []string{"text", "image", "location", "choice", "reaction", "unsupported"}
		if strings.Join(kinds, ",") != strings.Join(want, ",") {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
		if c := e.conversations()[0].Contact; c.Name != "Ana Souza" || c.Phone != "+5511987654321" {
			t.Fatalf("contact %+v", c)
		}
		if ms[2].ReplyTo == nil || ms[2].ReplyTo.ID != ms[0].ID || ms[2].Content.Location.Name != "Av. <Paulista>" {
			t.Fatalf("location reply: %+v %+v", ms[2].ReplyTo, ms[2].Content)
		}
		if ch := ms[3].Content.Choice; ch == nil || ch.ID != "yes" || ch.Title != "Yes please" {
			t.Fatalf("choice %+v", ms[3].Content)
		}
		if r := ms[4].Content.Reaction; r == nil || r.TargetID != ms[0].ID || r.Emoji != "👍" {
			t.Fatalf("reaction %+v", ms[4].Content)
		}
		if raw := string(ms[5].Content.Raw); !contains(raw, "poll_vote") {
			t.Fatalf("unsupported keeps raw: %s", raw)
		}
		// The image is fetched from the provider by a job.
		e.eventually("image fetched", func() bool {
			a := e.message(ms[1].ID).Attachments
			return len(a) == 1 && a[0].Status == inbox.AttachmentReady
		})
		img := e.message(ms[1].ID)
		if img.Body != "my receipt" || img.Attachments[0].ContentType != "image/png" || img.Attachments[0].Size != int64(len(png)) {
			t.Fatalf("image %+v", img)
		}
		_, r, err := e.s.Inbox.Blob(ctx, e.owner.WorkspaceID, img.Attachments[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	})
}

func TestMediaUnavailableKeepsMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		body := e.envelope([]map[string]any{{"from": "34612345678", "id": "wamid.M1", "timestamp": unixAt(time.Now()),
			"type": "document", "document": map[string]any{"id": "no-such-media", "mime_type": "application/pdf", "filename": "invoice.pdf"}}}, nil)
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		var m inbox.Message
		e.eventually("media marked unavailable", func() bool {
			cs := e.conversations()
			if len(cs) != 1 {
				return false
			}
			m = e.messages(cs[0].ID)[0]
			return len(m.Attachments) == 1 && m.Attachments[0].Status == inbox.AttachmentUnavailable
		})
		if m.Kind != content.KindDocument || m.Attachments[0].Filename != "invoice.pdf" || m.Attachments[0].Error == "" {
			t.Fatalf("%+v", m)
		}
		if _, _, err := e.s.Inbox.Blob(context.Background(), e.owner.WorkspaceID, m.Attachments[0].ID); !problem.Is(err, problem.Conflict) {
			t.Fatalf("blob of unavailable media: %v", err)
		}
	})
}

func TestSendStatusesAndWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		from := "5215512345678"
		if _, err := e.emu.CustomerSends(ctx, from, "Luis", emulator.Text("¿Tienen envío a Monterrey?")); err != nil {
			t.Fatal(err)
		}
		var conv inbox.Conversation
		e.eventually("conversation", func() bool {
			cs := e.conversations()
			if len(cs) == 1 {
				conv = cs[0]
			}
			return len(cs) == 1
		})
		if conv.WindowClosesAt() == nil || time.Until(*conv.WindowClosesAt()) < 23*time.Hour {
			t.Fatalf("window not open: %v", conv.WindowClosesAt())
		}
		m, err := e.s.Inbox.Send(ctx, e.owner, conv.ID, "Sí, en 2 días", nil)
		if err != nil {
			t.Fatal(err)
		}
		// The emulator acknowledges, then reports sent, delivered, read.
		e.eventually("read", func() bool { return e.message(m.ID).Status == inbox.Read })
		got := e.message(m.ID)
		if !strings.HasPrefix(got.ProviderMessageID, "wamid.") {
			t.Fatalf("provider id %q", got.ProviderMessageID)
		}
		sent := e.emu.Sent()
		if len(sent) != 1 || sent[0].CallbackData != m.ID || sent[0].WaID != from {
			t.Fatalf("emulator got %+v", sent)
		}
		// A late, repeated "delivered" never moves a read message back.
		late := e.envelope(nil, []map[string]any{{"id": got.ProviderMessageID, "status": "delivered",
			"timestamp": unixAt(time.Now()), "recipient_id": from}})
		if code, _ := e.post(e.webhookURL(), late, ""); code != 200 {
			t.Fatal(code)
		}
		if s := e.message(m.ID).Status; s != inbox.Read {
			t.Fatalf("late delivered moved read to %s", s)
		}

	})
}

// TestStatusBeforeSendCommitWaits: a status webhook can beat the commit of
// the send it reports on; it is kept and applied once the id is recorded.
// The emulator runs in manual mode so no real status races the test.
func TestStatusBeforeSendCommitWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, func(c *emulator.Config) { c.AutoStatuses = false })
		ctx := context.Background()
		from := "5215512345678"
		if _, err := e.emu.CustomerSends(ctx, from, "Luis", emulator.Text("hola")); err != nil {
			t.Fatal(err)
		}
		conv := e.conversations()[0]
		early := e.envelope(nil, []map[string]any{{"id": "wamid.future", "status": "failed", "timestamp": unixAt(time.Now()),
			"recipient_id": from, "errors": []any{map[string]any{"code": 131026, "title": "Message undeliverable",
				"error_data": map[string]any{"details": "Receiver is incapable of receiving this message"}}}}})
		if code, _ := e.post(e.webhookURL(), early, ""); code != 200 {
			t.Fatal(code)
		}
		m2, err := e.s.Inbox.Send(ctx, e.owner, conv.ID, "¿Sigues ahí?", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.eventually("second message sent", func() bool { return e.message(m2.ID).ProviderMessageID != "" })
		if err := e.s.Inbox.RecordSent(ctx, "not-a-message", "wamid.future"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W.Exec("UPDATE messages SET provider_message_id = NULL, status = 'sending' WHERE id = $1", m2.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.s.Inbox.RecordSent(ctx, m2.ID, "wamid.future"); err != nil {
			t.Fatal(err)
		}
		f := e.message(m2.ID)
		if f.Status != inbox.Failed || f.Error == nil || f.Error.Code != "131026" || f.Error.Title != "Message undeliverable" ||
			!contains(f.Error.Details, "incapable") || f.Error.Reason == "" {
			t.Fatalf("pending failed status not applied: %s %+v", f.Status, f.Error)
		}
	})
}

func TestWindowClosedRefusesFreeFormButNotTemplates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		old := time.Now().Add(-25 * time.Hour)
		body := e.envelope([]map[string]any{{"from": "5491123456789", "id": "wamid.OLD", "timestamp": unixAt(old),
			"type": "text", "text": map[string]any{"body": "hola"}}}, nil)
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		conv := e.conversations()[0]
		_, err := e.s.Inbox.Send(ctx, e.owner, conv.ID, "¿Seguís interesado?", nil)
		if !problem.Is(err, problem.Invalid) || !contains(err.Error(), "24-hour window closed at") || !contains(err.Error(), "approved template") {
			t.Fatalf("free-form after the window: %v", err)
		}
		tpl := &content.Content{Template: &content.Template{Name: "hello_world", Language: "en_US"}}
		m, err := e.s.Inbox.Compose(ctx, e.owner, conv.ID, inbox.Draft{Kind: content.KindTemplate, Content: tpl})
		if err != nil {
			t.Fatal(err)
		}
		e.eventually("template reaches the provider", func() bool { return e.emu.SentCount() == 1 })
		if s := e.emu.Sent()[0]; s.Type != "template" || s.CallbackData != m.ID {
			t.Fatalf("emulator got %+v", s)
		}
		used, err := e.s.Inbox.InitiatedUsage(ctx, e.ch.ID)
		if err != nil || used != 1 {
			t.Fatalf("business-initiated count %d %v", used, err)
		}
		// With a limit of one contact a day, a template to a second contact
		// whose window is closed would pass it; the first is already counted.
		if err := e.s.Channels.RecordNumber(ctx, e.ch.ID, channel.NumberInfo{MessagingLimit: "TIER_1", Limit: 1}); err != nil {
			t.Fatal(err)
		}
		body = e.envelope([]map[string]any{{"from": "5491198765432", "id": "wamid.OLD2", "timestamp": unixAt(old),
			"type": "text", "text": map[string]any{"body": "hola"}}}, nil)
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		for _, c := range e.conversations() {
			w, err := e.s.Inbox.LimitWarning(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if first := c.ID == conv.ID; first != (w == "") {
				t.Fatalf("conversation %s (first: %v): warning %q", c.Contact.Phone, first, w)
			}
		}
	})
}

func TestPermanentFailureAndProviderWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, func(c *emulator.Config) { c.KnownNumbers = []string{"447700900123"} })
		ctx := context.Background()
		// The contact writes (so charla's window is open) from a number the
		// emulator says is not on WhatsApp any more: 131026, no retry.
		body := e.envelope([]map[string]any{{"from": "447700900999", "id": "wamid.U1", "timestamp": unixAt(time.Now()),
			"type": "text", "text": map[string]any{"body": "hi"}}}, nil)
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		conv := e.conversations()[0]
		m, err := e.s.Inbox.Send(ctx, e.owner, conv.ID, "hello", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.eventually("failed", func() bool { return e.message(m.ID).Status == inbox.Failed })
		f := e.message(m.ID)
		if f.Error == nil || f.Error.Code != "131026" || f.Error.Reason == "" {
			t.Fatalf("%+v", f.Error)
		}
		// The emulator's own window for 447700900123 is closed (it never wrote
		// there): the provider answers 131047, explained like charla's check.
		body = e.envelope([]map[string]any{{"from": "447700900123", "id": "wamid.U2", "timestamp": unixAt(time.Now()),
			"type": "text", "text": map[string]any{"body": "hi"}}}, nil)
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		var convID string
		for _, c := range e.conversations() {
			if c.Contact.Phone == "+447700900123" {
				convID = c.ID
			}
		}
		m2, err := e.s.Inbox.Send(ctx, e.owner, convID, "hello again", nil)
		if err != nil {
			t.Fatal(err)
		}
		e.eventually("failed by the provider's window", func() bool { return e.message(m2.ID).Status == inbox.Failed })
		if f := e.message(m2.ID).Error; f == nil || f.Code != "131047" || !contains(f.Reason, "24-hour window") {
			t.Fatalf("%+v", f)
		}
	})
}

func TestThrottledSendIsRetried(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, func(c *emulator.Config) { c.Rate = 1 })
		ctx := context.Background()
		if _, err := e.emu.CustomerSends(ctx, "919876543210", "Priya", emulator.Text("namaste")); err != nil {
			t.Fatal(err)
		}
		e.eventually("conversation", func() bool { return len(e.conversations()) == 1 })
		conv := e.conversations()[0]
		// Lift charla's own pace above the emulator's so the provider throttles.
		if _, err := e.s.Channels.Update(ctx, e.owner.WorkspaceID, e.ch.ID, nil, json.RawMessage(`{"rate_limit":1000}`), nil); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, text := range []string{"one", "two", "three"} {
			m, err := e.s.Inbox.Send(ctx, e.owner, conv.ID, text, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		e.eventually("all three accepted after 130429 throttling", func() bool {
			for _, id := range ids {
				if e.message(id).ProviderMessageID == "" {
					return false
				}
			}
			return true
		})
		if n, dup := e.emu.SentCount(), e.emu.Duplicates(); n != 3 || dup != 0 {
			t.Fatalf("emulator accepted %d, duplicates %d", n, dup)
		}
	})
}

func TestOneContactAcrossFormats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		// An imported contact with the 9th digit; WhatsApp reports the old form.
		id, err := e.s.Contacts.Create(ctx, e.owner.WorkspaceID, contacts.Input{Name: ptr("Carla"), Phone: ptr("+55 31 98888-7777")})
		if err != nil {
			t.Fatal(err)
		}
		body := e.envelope([]map[string]any{{"from": "553188887777", "id": "wamid.B1", "timestamp": unixAt(time.Now()),
			"type": "text", "text": map[string]any{"body": "oi"}}}, nil,
			map[string]any{"wa_id": "553188887777", "user_id": "BR.13491208655302741918", "profile": map[string]any{"name": "Carla M"}})
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		cs := e.conversations()
		if len(cs) != 1 || cs[0].Contact.ID != id.ID || cs[0].Contact.Name != "Carla" {
			t.Fatalf("not linked to the imported contact: %+v", cs)
		}
		// Later she hides her number: only the business-scoped user id comes.
		hidden := e.envelope([]map[string]any{{"from_user_id": "BR.13491208655302741918", "id": "wamid.B2",
			"timestamp": unixAt(time.Now()), "type": "text", "text": map[string]any{"body": "sou eu"}}}, nil)
		if code, b := e.post(e.webhookURL(), hidden, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		cs = e.conversations()
		if len(cs) != 1 || len(e.messages(cs[0].ID)) != 2 {
			t.Fatalf("hidden number split the contact: %d conversations", len(cs))
		}
	})
}

func TestDialogChannelRegistersWebhookAndChecksSecret(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		if _, err := e.s.Channels.Create(ctx, e.owner.WorkspaceID, wa.DialogType, "360 number",
			json.RawMessage(`{"phone_number":"+15550783881","base_url":"`+e.emuURL+`/360dialog"}`), map[string]string{"api_key": "wrong"}); err == nil {
			t.Fatal("a wrong API key was accepted")
		}
		ch, err := e.s.Channels.Create(ctx, e.owner.WorkspaceID, wa.DialogType, "360 number",
			json.RawMessage(`{"phone_number":"+15550783881","base_url":"`+e.emuURL+`/360dialog"}`), map[string]string{"api_key": apiKey})
		if err != nil {
			t.Fatal(err)
		}
		cb := e.emu.Callback()
		if !strings.HasPrefix(cb, e.url+"/webhooks/360dialog/"+ch.ID+"/") || len(cb) < len(e.url)+60 {
			t.Fatalf("registered callback %q", cb)
		}
		if _, err := e.emu.CustomerSends(ctx, "6281234567890", "Budi", emulator.Text("halo")); err != nil {
			t.Fatal(err)
		}
		e.eventually("360dialog message stored", func() bool {
			for _, c := range e.conversations() {
				if c.ChannelID == ch.ID {
					return true
				}
			}
			return false
		})
		body := e.envelope([]map[string]any{{"from": "6281234567890", "id": "wamid.X", "timestamp": unixAt(time.Now()),
			"type": "text", "text": map[string]any{"body": "forged"}}}, nil)
		if code, _ := e.post(e.url+"/webhooks/360dialog/"+ch.ID+"/guessed", body, "-"); code != http.StatusUnauthorized {
			t.Fatalf("wrong path secret: %d", code)
		}
	})
}

func ptr(s string) *string { return &s }

// whatsapp256 signs body with another secret, as a forger would.
func whatsapp256(body []byte, secret string) string { return whatsapp.Sign(body, secret) }

func TestGreetingAndReadReceipts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		if _, err := e.s.Channels.Update(ctx, e.owner.WorkspaceID, e.ch.ID, nil, json.RawMessage(`{"greeting":"¡Hola! Te respondemos enseguida."}`), nil); err != nil {
			t.Fatal(err)
		}
		wamid, err := e.emu.CustomerSends(ctx, "573001234567", "Camila", emulator.Text("Buenas"))
		if err != nil {
			t.Fatal(err)
		}
		e.eventually("greeting sent", func() bool { return e.emu.SentCount() == 1 })
		if s := e.emu.Sent()[0]; !contains(string(s.Body), "Te respondemos enseguida") || s.WaID != "573001234567" {
			t.Fatalf("greeting %s", s.Body)
		}
		conv := e.conversations()[0]
		ms := e.messages(conv.ID)
		if len(ms) != 2 || ms[1].Sender.Type != "bot" {
			t.Fatalf("messages %+v", ms)
		}
		// A second message in the same conversation gets no second greeting.
		if _, err := e.emu.CustomerSends(ctx, "573001234567", "Camila", emulator.Text("¿Hay alguien?")); err != nil {
			t.Fatal(err)
		}
		e.eventually("second message", func() bool { return len(e.messages(conv.ID)) == 3 })
		// The agent opens the conversation: WhatsApp shows blue ticks.
		if err := e.s.Inbox.MarkRead(ctx, e.owner, conv.ID); err != nil {
			t.Fatal(err)
		}
		last := e.messages(conv.ID)[2].ProviderMessageID
		e.eventually("read receipt", func() bool {
			for _, id := range e.emu.ReadMarks() {
				if id == last {
					return true
				}
			}
			return false
		})
		if e.emu.SentCount() != 1 || last == wamid {
			t.Fatalf("sent %d; read mark for %s", e.emu.SentCount(), last)
		}
	})
}

func TestReferralKeptOnConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		body := e.envelope([]map[string]any{{"from": "5215512345678", "id": "wamid.AD1", "timestamp": unixAt(time.Now()),
			"type": "text", "text": map[string]any{"body": "Vi su anuncio"},
			"referral": map[string]any{"source_url": "https://fb.me/ad", "source_id": "120", "source_type": "ad",
				"headline": "Envío <gratis>", "body": "Solo hoy", "media_type": "image", "image_url": "https://x.test/a.jpg",
				"ctwa_clid": "ARAkLkA8rmlFeiCktEJQ"}}}, nil)
		if code, b := e.post(e.webhookURL(), body, ""); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
		cs := e.conversations()
		if len(cs) != 1 || cs[0].Referral["headline"] != "Envío <gratis>" || cs[0].Referral["ctwa_clid"] != "ARAkLkA8rmlFeiCktEJQ" {
			t.Fatalf("referral %+v", cs)
		}
	})
}
