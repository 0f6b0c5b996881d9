package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"charla/internal/contacts"
	"charla/internal/content"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
	"charla/internal/web/templates"
)

// article cuts one message's bubble out of a page.
func article(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<article id="m-`+id+`"`)
	if i < 0 {
		t.Fatalf("no bubble for message %s", id)
	}
	return body[i : i+strings.Index(body[i:], "</article>")]
}

// clockIcon is the tick of a message not yet handed to the provider.
const clockIcon = `<circle cx="12" cy="12" r="9">`

// mediaGone is charla's explanation when the provider answers a media
// lookup with Graph error 100 (no such object): the file is gone for good.
const mediaGone = "the file is no longer available at WhatsApp (media is kept there for a limited time)"

func TestThreadShowsEveryKind(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newHeldWhatsApp(t, d)
		ctx := context.Background()
		ws := f.owner.WorkspaceID
		in := func(pid, kind, body string, c *content.Content, files ...inbox.StoredFile) inbox.Received {
			return f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: pid, Kind: kind, Body: body, Content: c, Files: files})
		}

		first := in("wamid.1", "", "Hi, I need help", nil)
		conv := first.ConversationID
		img := in("wamid.2", content.KindImage, "my receipt", nil, f.e.stored(ws, "receipt.png", "image/png", pngBytes))
		// The provider is slow with the video and no longer has the audio.
		f.emu.holdMedia("held-3")
		video := f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: "wamid.3", Kind: content.KindVideo,
			Media: []inbox.ProviderMedia{{ID: "held-3", ContentType: "video/mp4"}}})
		audio := f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: "wamid.4", Kind: content.KindAudio,
			Media: []inbox.ProviderMedia{{ID: "expired-4", ContentType: "audio/mpeg"}}})
		f.e.eventually("the audio to be given up", func() bool {
			return f.e.message(ws, audio.MessageID).Attachments[0].Status == "unavailable"
		})
		voice := in("wamid.5", content.KindVoice, "", nil, f.e.stored(ws, "voice.ogg", "audio/ogg", []byte("OggS voice")))
		doc := in("wamid.6", content.KindDocument, "", nil, f.e.stored(ws, "invoice.pdf", "application/pdf", []byte("%PDF-1.4 x")))
		sticker := in("wamid.7", content.KindSticker, "", nil, f.e.stored(ws, "sticker.webp", "image/webp", []byte("RIFF....WEBPVP8 ")))
		loc := in("wamid.8", content.KindLocation, "", &content.Content{Location: &content.Location{
			Latitude: -23.5505, Longitude: -46.6333, Name: "Loja Centro", Address: "Praça da Sé, São Paulo"}})
		card := in("wamid.9", content.KindContacts, "", &content.Content{Contacts: []content.Card{{Name: "Ana Souza",
			Phones: []content.CardItem{{Value: "+55 11 91234-5678", Type: "CELL"}},
			Emails: []content.CardItem{{Value: "ana@example.com", Type: "WORK"}}}}})
		choice := in("wamid.10", content.KindChoice, "", &content.Content{Choice: &content.Choice{ID: "opt-2", Title: "Talk to sales"}})
		heart := in("wamid.11", content.KindReaction, "", &content.Content{Reaction: &content.Reaction{Emoji: "❤️", TargetProviderID: "wamid.1"}})
		stray := in("wamid.12", content.KindReaction, "", &content.Content{Reaction: &content.Reaction{Emoji: "👍", TargetProviderID: "wamid.gone"}})
		order := in("wamid.13", content.KindOrder, "", &content.Content{Order: &content.Order{Items: []content.OrderItem{
			{ProductID: "sku-1", Quantity: 2, Price: 10.5, Currency: "BRL"}, {ProductID: "sku-2", Quantity: 1, Price: 4, Currency: "BRL"}}}})
		system := in("wamid.14", content.KindSystem, "Vera changed their number",
			&content.Content{System: &content.System{Type: "user_changed_number", Body: "Vera changed their number"}})
		unsupported := in("wamid.15", content.KindUnsupported, "", &content.Content{Raw: json.RawMessage(`{"type":"poll","poll":{"question":"Lunch?"}}`)})
		forwarded := in("wamid.16", "", "look at this", &content.Content{Forwarded: true})
		reply := f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: "wamid.17", Body: "About my first message", QuotedProviderID: "wamid.1"})
		orphan := f.e.inbound(f.wa, inbox.Inbound{ProviderMessageID: "wamid.18", Body: "About something older", QuotedProviderID: "wamid.0"})

		out := func(d inbox.Draft) inbox.Message {
			m, err := f.e.s.Inbox.Compose(ctx, f.owner, conv, d)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		buttons := out(inbox.Draft{Kind: content.KindInteractive, Body: "How can we help?", Content: &content.Content{Interactive: &content.Interactive{
			Header: "Menu", Footer: "Tap a button", Buttons: []content.Option{{ID: "a", Title: "Orders"}, {ID: "b", Title: "Returns"}}}}})
		list := out(inbox.Draft{Kind: content.KindInteractive, Body: "Pick a topic", Content: &content.Content{Interactive: &content.Interactive{
			Button: "See options", Sections: []content.Section{{Title: "Support", Rows: []content.Option{{ID: "r1", Title: "Track an order", Description: "Where is my parcel"}}}}}}})
		tpl := out(inbox.Draft{Kind: content.KindTemplate, Content: &content.Content{Template: &content.Template{Name: "order_update", Language: "en_US",
			Components: json.RawMessage(`[{"type":"body","parameters":[{"type":"text","text":"Vera"},{"type":"text","text":"#123"}]}]`)}}})
		rendered := out(inbox.Draft{Kind: content.KindTemplate, Content: &content.Content{Template: &content.Template{Name: "welcome", Language: "en", Rendered: "Welcome, Vera!"}}})
		failed := out(inbox.Draft{Body: "Are you still there?"})
		if err := f.e.s.Inbox.Fail(ctx, failed.ID, inbox.SendError{Code: "131047", Title: "Re-engagement message",
			Reason: "More than 24 hours have passed since the contact last wrote; send a template instead."}); err != nil {
			t.Fatal(err)
		}
		status := func(body, pid, st string) inbox.Message {
			m := out(inbox.Draft{Body: body})
			if err := f.e.s.Inbox.RecordSent(ctx, m.ID, pid); err != nil {
				t.Fatal(err)
			}
			if st != inbox.Sent {
				if err := f.e.s.Inbox.ApplyStatuses(ctx, f.wa, []inbox.StatusReport{{ProviderMessageID: pid, Status: st}}); err != nil {
					t.Fatal(err)
				}
			}
			return m
		}
		sent, delivered, read := status("one", "wamid.out1", inbox.Sent), status("two", "wamid.out2", inbox.Delivered), status("three", "wamid.out3", inbox.Read)

		p := f.b.get("/conversations/" + conv)
		wantStatus(t, p, http.StatusOK)
		body := p.body
		want := map[string][]string{
			img.MessageID:         {`data-kind="image"`, `<img src="/attachments/` + img.Message.Attachments[0].ID + `"`, "my receipt"},
			video.MessageID:       {`data-testid="attachment-pending"`, "Fetching media…"},
			audio.MessageID:       {`data-testid="attachment-unavailable"`, "Media unavailable: " + mediaGone},
			voice.MessageID:       {`<audio controls`, "🎤 Voice message"},
			doc.MessageID:         {`data-kind="file"`, "invoice.pdf", `href="/attachments/` + doc.Message.Attachments[0].ID + `"`},
			sticker.MessageID:     {`class="msg-sticker"`},
			loc.MessageID:         {"Loja Centro", "Praça da Sé, São Paulo", "-23.5505, -46.6333", `href="https://www.openstreetmap.org/?mlat=-23.5505&amp;mlon=-46.6333`},
			card.MessageID:        {"Ana Souza", "+55 11 91234-5678 (cell)", "ana@example.com (work)"},
			choice.MessageID:      {"Selected:", "<strong>Talk to sales</strong>"},
			stray.MessageID:       {`data-testid="message-reaction"`, "Reacted", "👍", "to a message"},
			order.MessageID:       {"sku-1", "sku-2", `data-testid="order-total">25.00 BRL<`},
			system.MessageID:      {`data-testid="message-system"`, "Vera changed their number"},
			unsupported.MessageID: {"Unsupported message", `data-testid="message-raw"`, "Lunch?"},
			forwarded.MessageID:   {`data-testid="message-forwarded"`},
			reply.MessageID:       {`data-quote-id="` + first.MessageID + `"`, "Hi, I need help"},
			orphan.MessageID:      {"Replying to an earlier message"},
			buttons.ID:            {"Menu", "How can we help?", "Tap a button", ">Orders<", ">Returns<", clockIcon},
			list.ID:               {"See options", "Support", "Track an order", "Where is my parcel"},
			tpl.ID:                {`data-testid="template-name">order_update<`, "(en_US)", ">Vera<", ">#123<"},
			rendered.ID:           {"welcome", `data-testid="template-rendered">Welcome, Vera!<`},
			failed.ID:             {"ticks-failed", "Not delivered:", "More than 24 hours have passed", "Error 131047 · Re-engagement message"},
			sent.ID:               {`ticks ticks-sent`, ">✓<"},
			delivered.ID:          {`ticks ticks-delivered`, ">✓✓<"},
			read.ID:               {`ticks ticks-read`, ">✓✓<"},
			first.MessageID:       {`data-testid="reaction-badge"`, "❤️", `data-testid="message-react"`, `data-testid="message-reply"`},
		}
		for id, wants := range want {
			a := article(t, body, id)
			for _, w := range wants {
				if !strings.Contains(a, w) {
					t.Errorf("bubble %s lacks %q:\n%s", id, w, a)
				}
			}
		}
		// A reaction to a message on the page is a badge there, not a bubble of its own.
		if strings.Contains(body, `id="m-`+heart.MessageID+`"`) {
			t.Error("the reaction to the first message should be folded into its badge")
		}
		// Reactions are offered on the contact's messages only.
		if strings.Contains(article(t, body, sent.ID), `message-react`) || strings.Contains(article(t, body, system.MessageID), `message-react`) {
			t.Error("the picker belongs on the contact's messages")
		}
		// The provider took nothing composed here (only spendQuota's message).
		if n := f.emu.SentCount(); n != 1 {
			t.Errorf("the provider accepted %d messages, want only the one that spent the quota", n)
		}
	})
}

func TestHostileContentIsEscaped(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newHeldWhatsApp(t, d)
		ctx := context.Background()
		x := func(n string) string { return `<script>alert(` + n + `)</script>` }
		in := func(kind string, c *content.Content) inbox.Received {
			return f.e.inbound(f.wa, inbox.Inbound{Kind: kind, Content: c,
				From: contacts.Who{ExternalID: "5511900000000", Name: `<img src=x onerror=alert(0)>`}})
		}
		first := in(content.KindLocation, &content.Content{Location: &content.Location{Latitude: 1, Longitude: 2,
			Name: x("1"), Address: x("2"), URL: "javascript:alert(3)"}})
		in(content.KindContacts, &content.Content{Contacts: []content.Card{{Name: x("4"), Organization: x("5"),
			Phones: []content.CardItem{{Value: x("6")}}, Emails: []content.CardItem{{Value: x("7")}}}}})
		in(content.KindChoice, &content.Content{Choice: &content.Choice{Title: x("8"), Description: x("9")}})
		in(content.KindUnsupported, &content.Content{Raw: json.RawMessage(`{"text":"</pre><script>alert(10)</script>"}`)})
		conv := first.ConversationID
		for _, tpl := range []*content.Template{
			{Name: x("11"), Language: "en", Rendered: x("12")},
			{Name: "order_update", Language: x("13"), Components: json.RawMessage(`[{"type":"body","parameters":[{"type":"text","text":"<script>alert(14)</script>"}]}]`)},
		} {
			if _, err := f.e.s.Inbox.Compose(ctx, f.owner, conv, inbox.Draft{Kind: content.KindTemplate, Content: &content.Content{Template: tpl}}); err != nil {
				t.Fatal(err)
			}
		}
		p := f.b.get("/conversations/" + conv)
		wantStatus(t, p, http.StatusOK)
		if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") || strings.Contains(p.body, "javascript:") {
			t.Fatalf("customer markup rendered as markup:\n%s", p.body)
		}
		for n := 1; n <= 14; n++ {
			if n == 3 || n == 10 {
				continue
			}
			if esc := fmt.Sprintf("&lt;script&gt;alert(%d)&lt;/script&gt;", n); !strings.Contains(p.body, esc) {
				t.Errorf("text %d should be shown, escaped", n)
			}
		}
		// Stored JSON may carry the brackets as \u003c; either way it is text.
		if !strings.Contains(p.body, "&lt;/pre&gt;&lt;script&gt;alert(10)") && !strings.Contains(p.body, `\u003c/pre\u003e\u003cscript\u003ealert(10)`) {
			t.Errorf("the raw JSON should be shown as text")
		}

		// The quote preview above the composer escapes too.
		q := f.b.htmx(http.MethodGet, "/conversations/"+conv+"/quote?message_id="+first.MessageID, "composer-quote", nil)
		wantStatus(t, q, http.StatusOK)
		if strings.Contains(q.body, "<img src=x") || !strings.Contains(q.body, "&lt;img src=x") {
			t.Fatalf("quote preview:\n%s", q.body)
		}
	})
}

// A contact's later reaction replaces their earlier one, and an empty emoji
// takes it away; neither shows as a bubble of its own.
func TestReactionsFoldIntoBadges(t *testing.T) {
	t.Parallel()
	target := inbox.Message{ID: "m1", Direction: inbox.Outgoing, Status: inbox.Sent, Kind: content.KindText, Body: "Your order shipped"}
	react := func(id, emoji string) inbox.Message {
		return inbox.Message{ID: id, Direction: inbox.Incoming, Kind: content.KindReaction, Sender: inbox.Sender{Type: "contact", ID: "c1"},
			Content: &content.Content{Reaction: &content.Reaction{Emoji: emoji, TargetID: "m1"}}}
	}
	render := func(ms ...inbox.Message) string {
		var b strings.Builder
		if err := templates.Messages(ms, "Vera", templates.Actions{}).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	html := render(target, react("r1", "👍"), react("r2", "🎉"))
	if n := strings.Count(html, `data-testid="message"`); n != 1 || strings.Count(html, `data-testid="reaction-badge"`) != 1 ||
		!strings.Contains(html, "🎉") || strings.Contains(html, "👍") {
		t.Fatalf("the latest reaction should be the one badge:\n%s", html)
	}
	html = render(target, react("r1", "👍"), react("r2", ""))
	if strings.Contains(html, "reaction-badge") || strings.Count(html, `data-testid="message"`) != 1 {
		t.Fatalf("a removed reaction leaves no badge:\n%s", html)
	}
}
