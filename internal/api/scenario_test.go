package api

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"charla/internal/api/spec"
	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestScenario drives every operation through an HTTP server the way a
// client would, validating each request and response against the spec.
func TestScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		ch := channelsScenario(t, e)
		contactsScenario(t, e, ch)
		conv := conversationsScenario(t, e, ch)
		messagesScenario(t, e, ch, conv)
		whatsAppScenario(t, e, ch)
		deletedChannelScenario(t, e, ch, conv)

		// Not an operation of the spec, so fetched without validation.
		resp, err := e.srv.Client().Get(e.srv.URL + Prefix + "/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		want, _ := spec.JSON()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || !bytes.Equal(body, want) {
			t.Errorf("GET /openapi.json without a token: %d, %d bytes; want 200 and the spec", resp.StatusCode, len(body))
		}
	})
}

func channelsScenario(t *testing.T, e *env) channelJSON {
	var site channelJSON
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "website", "name": "Loja Online",
		"settings": map[string]any{
			"greeting": "Olá!", "allowed_origins": []string{"https://Loja.example.com/"},
			"prechat_form": map[string]any{"require_email": true}, "color": "#0F766E",
		},
	}), http.StatusCreated, &site)
	if site.WidgetScript == nil || !strings.Contains(*site.WidgetScript, `data-channel="`+site.ID+`"`) {
		t.Errorf("widget_script = %v, want a snippet naming the channel", site.WidgetScript)
	}

	var minimal channelJSON
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{"type": "website", "name": "Help Center"}),
		http.StatusCreated, &minimal)
	if !strings.Contains(string(minimal.Settings), `"color":"#2563eb"`) {
		t.Errorf("default settings = %s, want the documented default colour", minimal.Settings)
	}

	// Settings merge: only prechat_form.enabled changes.
	var merged channelJSON
	e.expect(t, jsonCall("PATCH", "/channels/"+site.ID, e.ownerTok, map[string]any{
		"settings": map[string]any{"prechat_form": map[string]any{"enabled": true}},
	}), http.StatusOK, &merged)
	for _, want := range []string{`"greeting":"Olá!"`, `"enabled":true`, `"require_email":true`, `"color":"#0F766E"`, `"https://loja.example.com"`} {
		if !strings.Contains(string(merged.Settings), want) {
			t.Errorf("merged settings %s lack %s", merged.Settings, want)
		}
	}
	e.expect(t, jsonCall("PATCH", "/channels/"+site.ID, e.ownerTok, map[string]any{"name": "Loja Online (BR)"}), http.StatusOK, &site)
	if site.Name != "Loja Online (BR)" || site.Settings == nil || !bytes.Equal(site.Settings, merged.Settings) {
		t.Errorf("rename: %+v", site)
	}
	var same channelJSON
	e.expect(t, jsonCall("PATCH", "/channels/"+site.ID, e.ownerTok, map[string]any{}), http.StatusOK, &same)
	if same.UpdatedAt != site.UpdatedAt {
		t.Errorf("empty patch changed updated_at: %s → %s", site.UpdatedAt, same.UpdatedAt)
	}

	// Agents may read channels.
	e.expect(t, jsonCall("GET", "/channels/"+site.ID, e.agentTok, nil), http.StatusOK, &same)

	var first, second list[channelJSON]
	e.expect(t, jsonCall("GET", "/channels?limit=1", e.ownerTok, nil), http.StatusOK, &first)
	if len(first.Data) != 1 || first.Data[0].ID != site.ID || first.NextCursor == nil {
		t.Fatalf("first channel page = %+v", first)
	}
	e.expect(t, jsonCall("GET", "/channels?limit=1&cursor="+*first.NextCursor, e.ownerTok, nil), http.StatusOK, &second)
	if len(second.Data) != 1 || second.Data[0].ID != minimal.ID || second.NextCursor != nil {
		t.Fatalf("second channel page = %+v", second)
	}

	e.expect(t, jsonCall("DELETE", "/channels/"+minimal.ID, e.ownerTok, nil), http.StatusNoContent, nil)
	e.expectError(t, jsonCall("GET", "/channels/"+minimal.ID, e.ownerTok, nil), http.StatusNotFound, "not_found")
	return site
}

func contactsScenario(t *testing.T, e *env, ch channelJSON) {
	var mariana, phoneOnly, third contactJSON
	e.expect(t, jsonCall("POST", "/contacts", e.ownerTok, map[string]any{
		"name": "Mariana Souza", "email": "Mariana.Souza@example.com", "phone": "+55 11 98765-4321",
		"attributes": map[string]any{"plan": "pro", "orders": 12, "vip": true},
		"tags":       []string{"vip", "black-friday"},
	}), http.StatusCreated, &mariana)
	if mariana.Phone != "+5511987654321" || mariana.Email != "mariana.souza@example.com" ||
		!slices.Equal(mariana.Tags, []string{"black-friday", "vip"}) || mariana.Attributes["orders"] != float64(12) {
		t.Errorf("created contact = %+v", mariana)
	}
	e.expect(t, jsonCall("POST", "/contacts", e.ownerTok, map[string]any{"phone": "+14155550123"}), http.StatusCreated, &phoneOnly)
	e.expect(t, jsonCall("POST", "/contacts", e.ownerTok, map[string]any{}), http.StatusCreated, &third)

	// Newest first, two pages.
	var p1, p2 list[contactJSON]
	e.expect(t, jsonCall("GET", "/contacts?limit=2", e.ownerTok, nil), http.StatusOK, &p1)
	if len(p1.Data) != 2 || p1.Data[0].ID != third.ID || p1.Data[1].ID != phoneOnly.ID || p1.NextCursor == nil {
		t.Fatalf("first page = %+v", p1)
	}
	e.expect(t, jsonCall("GET", "/contacts?limit=2&cursor="+url.QueryEscape(*p1.NextCursor), e.ownerTok, nil), http.StatusOK, &p2)
	if len(p2.Data) != 1 || p2.Data[0].ID != mariana.ID || p2.NextCursor != nil {
		t.Fatalf("second page = %+v", p2)
	}
	var found list[contactJSON]
	e.expect(t, jsonCall("GET", "/contacts?q=mariana", e.ownerTok, nil), http.StatusOK, &found)
	if len(found.Data) != 1 || found.Data[0].ID != mariana.ID {
		t.Errorf("search = %+v", found)
	}

	var got contactJSON
	e.expect(t, jsonCall("GET", "/contacts/"+mariana.ID, e.agentTok, nil), http.StatusOK, &got)
	if got.ID != mariana.ID || got.Name != "Mariana Souza" {
		t.Errorf("get = %+v", got)
	}

	got = contactJSON{} // decoding into a used map would merge into it
	e.expect(t, jsonCall("PATCH", "/contacts/"+mariana.ID, e.ownerTok, map[string]any{
		"email": "mari.souza@example.org", "attributes": map[string]any{"plan": "enterprise"},
	}), http.StatusOK, &got)
	if got.Email != "mari.souza@example.org" || got.Name != "Mariana Souza" || len(got.Attributes) != 1 {
		t.Errorf("patched = %+v", got)
	}
	var unchanged contactJSON
	e.expect(t, jsonCall("PATCH", "/contacts/"+mariana.ID, e.ownerTok, map[string]any{}), http.StatusOK, &unchanged)
	if unchanged.UpdatedAt != got.UpdatedAt {
		t.Errorf("empty patch changed updated_at: %s → %s", got.UpdatedAt, unchanged.UpdatedAt)
	}
	e.expect(t, jsonCall("PATCH", "/contacts/"+mariana.ID, e.ownerTok, map[string]any{"name": ""}), http.StatusOK, &got)
	if got.Name != "" {
		t.Errorf(`name after "" = %q`, got.Name)
	}

	e.expect(t, jsonCall("POST", "/contacts/"+mariana.ID+"/tags", e.ownerTok, map[string]any{
		"tags": []string{"vip", "new customer"},
	}), http.StatusOK, &got)
	if !slices.Equal(got.Tags, []string{"black-friday", "new customer", "vip"}) {
		t.Errorf("tags after add = %v", got.Tags)
	}
	e.expect(t, jsonCall("DELETE", "/contacts/"+mariana.ID+"/tags/new%20customer", e.ownerTok, nil), http.StatusOK, &got)
	e.expect(t, jsonCall("DELETE", "/contacts/"+mariana.ID+"/tags/absent", e.ownerTok, nil), http.StatusOK, &got)
	if !slices.Equal(got.Tags, []string{"black-friday", "vip"}) {
		t.Errorf("tags after remove = %v", got.Tags)
	}

	e.expect(t, jsonCall("DELETE", "/contacts/"+third.ID, e.ownerTok, nil), http.StatusNoContent, nil)
	e.expectError(t, jsonCall("GET", "/contacts/"+third.ID, e.ownerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("DELETE", "/contacts/"+third.ID, e.ownerTok, nil), http.StatusNotFound, "not_found")
}

// seed has two visitors write on the website channel, one with a file.
func seed(t *testing.T, e *env, ch channelJSON) (vera, noah inbox.Received) {
	ctx := t.Context()
	c, err := e.s.Channels.Get(ctx, e.owner.WorkspaceID, ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	vera = must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: c,
		From: contacts.Who{ExternalID: "visitor-1", Name: "Vera", Email: "vera@example.com"}, Body: "Where is my order #4821?"}))(t)
	file := must(e.s.Inbox.StoreUpload(ctx, e.owner.WorkspaceID, inbox.Upload{
		Filename: "receipt.pdf", ContentType: "application/pdf", Body: strings.NewReader("%PDF-1.4 receipt")}))(t)
	noah = must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: c, From: contacts.Who{ExternalID: "visitor-2", Name: "Noah"},
		ProviderMessageID: "wv-1", Body: "Here is the receipt", Files: []inbox.StoredFile{file}}))(t)
	return vera, noah
}

func conversationsScenario(t *testing.T, e *env, ch channelJSON) conversationJSON {
	vera, noah := seed(t, e, ch)

	var p1, p2 list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?limit=1", e.ownerTok, nil), http.StatusOK, &p1)
	if len(p1.Data) != 1 || p1.Data[0].ID != noah.ConversationID || p1.NextCursor == nil {
		t.Fatalf("first page = %+v", p1)
	}
	e.expect(t, jsonCall("GET", "/conversations?limit=1&cursor="+url.QueryEscape(*p1.NextCursor), e.ownerTok, nil), http.StatusOK, &p2)
	if len(p2.Data) != 1 || p2.Data[0].ID != vera.ConversationID || p2.NextCursor != nil {
		t.Fatalf("second page = %+v", p2)
	}
	var filtered list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?status=all&channel_id="+ch.ID+"&contact_id="+vera.ContactID+"&q=order", e.ownerTok, nil),
		http.StatusOK, &filtered)
	if len(filtered.Data) != 1 || filtered.Data[0].ID != vera.ConversationID {
		t.Errorf("filtered = %+v", filtered)
	}

	var conv conversationJSON
	e.expect(t, jsonCall("GET", "/conversations/"+vera.ConversationID, e.agentTok, nil), http.StatusOK, &conv)
	if conv.Contact.Email != "vera@example.com" || conv.AssigneeID != nil || conv.Status != "open" || conv.UnreadCount != 1 {
		t.Errorf("conversation = %+v", conv)
	}

	team := must(e.s.Auth.CreateTeam(t.Context(), e.owner, "Support"))(t)
	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/assign", e.ownerTok, map[string]any{"assignee_id": e.agent.ID}),
		http.StatusOK, &conv)
	if conv.AssigneeID == nil || *conv.AssigneeID != e.agent.ID || conv.TeamID != nil {
		t.Errorf("after assign = %+v", conv)
	}
	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/assign", e.ownerTok, map[string]any{"team_id": team.ID}),
		http.StatusOK, &conv)
	if conv.AssigneeID == nil || conv.TeamID == nil || *conv.TeamID != team.ID {
		t.Errorf("after team assign (agent kept) = %+v", conv)
	}
	var mine list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?assignee=me&team_id="+team.ID, e.agentTok, nil), http.StatusOK, &mine)
	if len(mine.Data) != 1 || mine.Data[0].ID != conv.ID {
		t.Errorf("assignee=me = %+v", mine)
	}
	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/unassign", e.agentTok, nil), http.StatusOK, &conv)
	if conv.AssigneeID != nil || conv.TeamID == nil {
		t.Errorf("after unassign = %+v", conv)
	}
	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/assign", e.ownerTok, map[string]any{"assignee_id": nil, "team_id": nil}),
		http.StatusOK, &conv)
	if conv.AssigneeID != nil || conv.TeamID != nil {
		t.Errorf("after clearing both = %+v", conv)
	}
	var unassigned list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?assignee=unassigned", e.ownerTok, nil), http.StatusOK, &unassigned)
	if len(unassigned.Data) != 2 {
		t.Errorf("assignee=unassigned = %d conversations, want 2", len(unassigned.Data))
	}

	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/close", e.ownerTok, nil), http.StatusOK, &conv)
	if conv.Status != "closed" {
		t.Errorf("after close = %+v", conv)
	}
	var closed, open list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?status=closed", e.ownerTok, nil), http.StatusOK, &closed)
	e.expect(t, jsonCall("GET", "/conversations", e.ownerTok, nil), http.StatusOK, &open)
	if len(closed.Data) != 1 || closed.Data[0].ID != conv.ID || len(open.Data) != 1 {
		t.Errorf("closed = %d, open = %d; want 1 and 1", len(closed.Data), len(open.Data))
	}
	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/reopen", e.ownerTok, nil), http.StatusOK, &conv)
	if conv.Status != "open" {
		t.Errorf("after reopen = %+v", conv)
	}
	return conv
}

func messagesScenario(t *testing.T, e *env, ch channelJSON, conv conversationJSON) {
	base := "/conversations/" + conv.ID
	var sent, withFile, note messageJSON
	e.expect(t, jsonCall("POST", base+"/messages", e.agentTok, map[string]any{"body": "Hi Vera! It shipped today. 📦"}),
		http.StatusCreated, &sent)
	if sent.Direction != "outgoing" || sent.Sender.Type != "user" || sent.Sender.ID == nil || *sent.Sender.ID != e.agent.ID ||
		sent.Status != "sent" || sent.Error != nil || sent.ProviderMessageID != nil {
		t.Errorf("sent = %+v", sent)
	}

	pdf := []byte("%PDF-1.4 the label")
	e.expect(t, multipartCall(base+"/messages", e.agentTok,
		part{name: "body", data: []byte("Your shipping label")},
		part{name: "file", filename: "label.pdf", contentType: "application/pdf", data: pdf},
	), http.StatusCreated, &withFile)
	if withFile.Body != "Your shipping label" || len(withFile.Attachments) != 1 {
		t.Fatalf("with file = %+v", withFile)
	}
	at := withFile.Attachments[0]
	if at.Filename != "label.pdf" || at.ContentType != "application/pdf" || at.Size != int64(len(pdf)) ||
		at.URL != e.s.Config.BaseURL+Prefix+"/attachments/"+at.ID {
		t.Errorf("attachment = %+v", at)
	}
	download(t, e, at, pdf)

	// A file alone, without a caption.
	e.expect(t, multipartCall(base+"/messages", e.agentTok, part{name: "file", filename: "notes.txt", data: []byte("plain")}),
		http.StatusCreated, &withFile)
	if withFile.Body != "" || len(withFile.Attachments) != 1 || !strings.HasPrefix(withFile.Attachments[0].ContentType, "text/plain") {
		t.Errorf("file only = %+v", withFile)
	}

	e.expect(t, jsonCall("POST", base+"/notes", e.agentTok, map[string]any{"body": "Refund pending on finance."}),
		http.StatusCreated, &note)
	if note.Direction != "note" || note.Status != "delivered" {
		t.Errorf("note = %+v", note)
	}

	// Newest first, walking back with the cursor.
	var all []messageJSON
	path := base + "/messages?limit=2"
	for range 5 {
		var p list[messageJSON]
		e.expect(t, jsonCall("GET", path, e.ownerTok, nil), http.StatusOK, &p)
		all = append(all, p.Data...)
		if p.NextCursor == nil {
			break
		}
		path = base + "/messages?limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
	}
	var order []string
	for _, m := range all {
		order = append(order, m.Direction)
	}
	if want := []string{"note", "outgoing", "outgoing", "outgoing", "incoming"}; !slices.Equal(order, want) {
		t.Errorf("messages newest first = %v, want %v", order, want)
	}

	// The seeded file of the other conversation downloads too.
	var noahs list[conversationJSON]
	e.expect(t, jsonCall("GET", "/conversations?q=noah", e.ownerTok, nil), http.StatusOK, &noahs)
	if len(noahs.Data) != 1 {
		t.Fatalf("q=noah = %+v", noahs)
	}
	var incoming list[messageJSON]
	e.expect(t, jsonCall("GET", "/conversations/"+noahs.Data[0].ID+"/messages", e.ownerTok, nil), http.StatusOK, &incoming)
	if len(incoming.Data) != 1 || len(incoming.Data[0].Attachments) != 1 || incoming.Data[0].ProviderMessageID == nil {
		t.Fatalf("incoming = %+v", incoming)
	}
	download(t, e, incoming.Data[0].Attachments[0], []byte("%PDF-1.4 receipt"))
}

// download fetches an attachment by its url with a bearer token.
func download(t *testing.T, e *env, at attachmentJSON, want []byte) {
	t.Helper()
	resp, body := e.do(t, jsonCall("GET", strings.TrimPrefix(at.URL, e.s.Config.BaseURL+Prefix), e.agentTok, nil))
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) || resp.Header.Get("Content-Type") != at.ContentType ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download %s: %d %q %q %q", at.URL, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), body)
	}
}

func deletedChannelScenario(t *testing.T, e *env, ch channelJSON, conv conversationJSON) {
	e.expect(t, jsonCall("DELETE", "/channels/"+ch.ID, e.ownerTok, nil), http.StatusNoContent, nil)
	e.expectError(t, jsonCall("GET", "/channels/"+ch.ID, e.ownerTok, nil), http.StatusNotFound, "not_found")
	e.expect(t, jsonCall("GET", "/conversations/"+conv.ID, e.ownerTok, nil), http.StatusOK, nil)
	e.expect(t, jsonCall("GET", "/conversations/"+conv.ID+"/messages", e.ownerTok, nil), http.StatusOK, nil)
	e.expectError(t, jsonCall("POST", "/conversations/"+conv.ID+"/messages", e.ownerTok, map[string]any{"body": "anyone?"}),
		http.StatusConflict, "conflict")
	e.expectError(t, multipartCall("/conversations/"+conv.ID+"/messages", e.ownerTok, part{name: "file", filename: "a.txt", data: []byte("x")}),
		http.StatusConflict, "conflict")
	// Notes stay possible: they are for the team.
	e.expect(t, jsonCall("POST", "/conversations/"+conv.ID+"/notes", e.ownerTok, map[string]any{"body": "channel gone"}), http.StatusCreated, nil)
}
