package api

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

type badCase struct {
	name   string
	c      call
	status int
	code   string
	// fields, when not nil, are exactly the fields the error must name; an
	// entry "field: text" also wants the field's message to contain text.
	fields []string
}

func raw(method, path, token, contentType, body string) call {
	return call{method: method, path: path, token: token, contentType: contentType, body: []byte(body)}
}

// TestBadInput runs the error matrix: each request must get the documented
// status and error code, with a response that matches the spec.
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		ctx := t.Context()

		var site channelJSON
		e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{"type": "website", "name": "Site"}), http.StatusCreated, &site)
		vera, noah := seed(t, e, site)
		var known contactJSON
		e.expect(t, jsonCall("POST", "/contacts", e.ownerTok, map[string]any{"email": "known@example.com"}), http.StatusCreated, &known)

		// The other workspace's contact, channel, conversation and attachment.
		var theirContact contactJSON
		e.expect(t, jsonCall("POST", "/contacts", e.strangerTok, map[string]any{"name": "Theirs"}), http.StatusCreated, &theirContact)
		theirSite := must(e.s.Channels.Create(ctx, e.stranger.WorkspaceID, "website", "Their site", nil, nil))(t)
		file := must(e.s.Inbox.StoreUpload(ctx, e.stranger.WorkspaceID, inbox.Upload{Filename: "x.txt", Body: strings.NewReader("secret")}))(t)
		theirs := must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: theirSite, From: contacts.Who{ExternalID: "v"}, Body: "hi",
			Files: []inbox.StoredFile{file}}))(t)
		theirMsgs := must(e.s.Inbox.Messages(ctx, e.stranger.WorkspaceID, theirs.ConversationID, "", 1))(t)
		theirAttachment := theirMsgs.Messages[0].Attachments[0].ID

		// A WhatsApp conversation whose 24-hour window closed an hour ago.
		wa := must(e.s.Channels.Create(ctx, e.owner.WorkspaceID, typeWhatsAppCloud, "WA",
			json.RawMessage(`{"phone_number_id":"1065","waba_id":"1022"}`), map[string]string{"access_token": "t", "app_secret": "s"}))(t)
		late := must(e.s.Inbox.Receive(ctx, inbox.Inbound{Channel: wa, From: contacts.Who{ExternalID: "5511900000000"},
			ProviderMessageID: "wamid.late", Body: "hello?", At: time.Now().Add(-25 * time.Hour)}))(t)
		lateConv := "/conversations/" + late.ConversationID
		const windowText = "body: 24-hour window closed at"

		session, _, err := e.s.Auth.Login(ctx, "agent@acme.test", "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}

		own, conv := e.ownerTok, "/conversations/"+vera.ConversationID
		const js = "application/json"
		cases := []badCase{
			// Bodies that cannot be parsed: 400.
			{"malformed JSON", raw("POST", "/contacts", own, js, `{"name":`).invalid(), 400, "bad_request", nil},
			{"not an object", raw("POST", "/contacts", own, js, `["Ana"]`).invalid(), 400, "bad_request", nil},
			{"empty body", raw("POST", "/contacts", own, js, ``).invalid(), 400, "bad_request", nil},
			{"null body", raw("POST", "/contacts", own, js, `null`).invalid(), 400, "bad_request", nil},
			{"trailing data", raw("POST", "/contacts", own, js, `{}{}`).invalid(), 400, "bad_request", nil},
			{"wrong content type", raw("POST", "/contacts", own, "text/plain", `name=Ana`).invalid(), 400, "bad_request", nil},
			{"body over 1 MiB", jsonCall("POST", "/contacts", own, map[string]any{"name": strings.Repeat("a", 1<<20)}).invalid(),
				413, "payload_too_large", nil},

			// Well-formed but invalid: 422 naming the fields.
			{"unknown field", raw("POST", "/contacts", own, js, `{"nickname":"Ana"}`).invalid(), 422, "validation_failed", []string{"nickname"}},
			{"field in the wrong case", raw("POST", "/contacts", own, js, `{"NAME":"Ana"}`).invalid(), 422, "validation_failed", []string{"NAME"}},
			{"null field", raw("POST", "/contacts", own, js, `{"name":null}`).invalid(), 422, "validation_failed", []string{"name"}},
			{"wrong type", raw("POST", "/contacts", own, js, `{"name":5}`).invalid(), 422, "validation_failed", []string{"name"}},
			{"wrong element type", raw("POST", "/contacts", own, js, `{"tags":[1]}`).invalid(), 422, "validation_failed", []string{"tags"}},
			{"invalid email", raw("POST", "/contacts", own, js, `{"email":"not-an-email"}`).silent(), 422, "validation_failed", []string{"email"}},
			{"invalid phone", raw("POST", "/contacts", own, js, `{"phone":"12"}`).silent(), 422, "validation_failed", []string{"phone"}},
			{"tag with a slash", raw("POST", "/contacts", own, js, `{"tags":["a/b"]}`).invalid(), 422, "validation_failed", []string{"tags"}},
			{"attribute key", raw("POST", "/contacts", own, js, `{"attributes":{"Plan":"x"}}`).invalid(), 422, "validation_failed", []string{"attributes"}},
			{"nested attribute", raw("POST", "/contacts", own, js, `{"attributes":{"a":{"b":1}}}`).invalid(), 422, "validation_failed", []string{"attributes"}},
			{"tags in an update", raw("PATCH", "/contacts/"+known.ID, own, js, `{"tags":["x"]}`).invalid(), 422, "validation_failed", []string{"tags"}},
			{"no tags to add", raw("POST", "/contacts/"+known.ID+"/tags", own, js, `{}`).invalid(), 422, "validation_failed", []string{"tags"}},
			{"empty tags to add", raw("POST", "/contacts/"+known.ID+"/tags", own, js, `{"tags":[]}`).invalid(), 422, "validation_failed", []string{"tags"}},
			{"duplicate email", raw("POST", "/contacts", own, js, `{"email":"known@example.com"}`), 409, "conflict", nil},

			{"assign nothing", raw("POST", conv+"/assign", own, js, `{}`).invalid(), 422, "validation_failed", nil},
			{"assign empty id", raw("POST", conv+"/assign", own, js, `{"assignee_id":""}`).invalid(), 422, "validation_failed", []string{"assignee_id"}},
			{"assign another workspace's user", raw("POST", conv+"/assign", own, js, `{"assignee_id":"`+e.stranger.ID+`"}`),
				422, "validation_failed", []string{"assignee_id"}},
			{"assign unknown team", raw("POST", conv+"/assign", own, js, `{"team_id":"`+known.ID+`"}`), 422, "validation_failed", []string{"team_id"}},
			{"blank message", raw("POST", conv+"/messages", own, js, `{"body":"   "}`).invalid(), 422, "validation_failed", []string{"body"}},
			{"message without body", raw("POST", conv+"/messages", own, js, `{}`).invalid(), 422, "validation_failed", []string{"body"}},
			{"message as text/plain", raw("POST", conv+"/messages", own, "text/plain", `hello`).invalid(), 400, "bad_request", nil},
			{"note too long", jsonCall("POST", conv+"/notes", own, map[string]any{"body": strings.Repeat("x", 4097)}).invalid(),
				422, "validation_failed", []string{"body"}},
			{"multipart without file", multipartCall(conv+"/messages", own, part{name: "body", data: []byte("hi")}).invalid(),
				422, "validation_failed", []string{"file"}},
			{"multipart unknown part", multipartCall(conv+"/messages", own, part{name: "caption", data: []byte("hi")}).invalid(),
				422, "validation_failed", []string{"caption"}},
			{"multipart body after file", multipartCall(conv+"/messages", own,
				part{name: "file", filename: "a.txt", data: []byte("x")}, part{name: "body", data: []byte("late")}),
				422, "validation_failed", []string{"body"}},
			{"multipart two files", multipartCall(conv+"/messages", own,
				part{name: "file", filename: "a.txt", data: []byte("x")}, part{name: "file", filename: "b.txt", data: []byte("y")}).invalid(),
				422, "validation_failed", []string{"file"}},
			{"multipart kind that is not a file's", multipartCall(conv+"/messages", own,
				part{name: "kind", data: []byte("location")}, part{name: "file", filename: "a.txt", data: []byte("x")}).invalid(),
				422, "validation_failed", []string{"kind"}},
			{"multipart malformed reply_to_id", multipartCall(conv+"/messages", own,
				part{name: "reply_to_id", data: []byte("42")}, part{name: "file", filename: "a.txt", data: []byte("x")}).invalid(),
				422, "validation_failed", []string{"reply_to_id"}},

			// Message kinds and content.
			{"unknown kind", raw("POST", conv+"/messages", own, js, `{"kind":"hologram","body":"hi"}`).invalid(),
				422, "validation_failed", []string{"kind"}},
			{"kind that is only received", raw("POST", conv+"/messages", own, js, `{"kind":"order","body":"hi"}`).invalid(),
				422, "validation_failed", []string{"kind"}},
			{"file kind as JSON", raw("POST", conv+"/messages", own, js, `{"kind":"image","body":"hi"}`).invalid(),
				422, "validation_failed", []string{"kind"}},
			{"content of the wrong type", raw("POST", conv+"/messages", own, js, `{"kind":"location","content":"here"}`).invalid(),
				422, "validation_failed", []string{"content"}},
			{"null content", raw("POST", conv+"/messages", own, js, `{"body":"hi","content":null}`).invalid(),
				422, "validation_failed", []string{"content"}},
			{"content field of the wrong type", raw("POST", conv+"/messages", own, js,
				`{"kind":"location","content":{"location":{"latitude":"north","longitude":0}}}`).invalid(),
				422, "validation_failed", []string{"content.location.latitude"}},
			{"unknown content field", raw("POST", conv+"/messages", own, js,
				`{"kind":"location","content":{"location":{"latitude":1,"longitude":2,"altitude":3}}}`).invalid(),
				422, "validation_failed", []string{"content.location.altitude"}},
			{"latitude out of range", raw("POST", conv+"/messages", own, js,
				`{"kind":"location","content":{"location":{"latitude":91,"longitude":2}}}`).invalid(),
				422, "validation_failed", []string{"content.location.latitude"}},
			{"content of another kind", raw("POST", conv+"/messages", own, js,
				`{"body":"hi","content":{"location":{"latitude":1,"longitude":2}}}`).invalid(),
				422, "validation_failed", []string{"content.location"}},
			{"kind without its content", raw("POST", conv+"/messages", own, js, `{"kind":"template"}`).invalid(),
				422, "validation_failed", []string{"content.template"}},
			{"card without a name", raw("POST", conv+"/messages", own, js, `{"kind":"contacts","content":{"contacts":[{"name":" "}]}}`).invalid(),
				422, "validation_failed", []string{"content.contacts[0].name"}},
			{"buttons and sections", raw("POST", conv+"/messages", own, js,
				`{"kind":"interactive","body":"Pick","content":{"interactive":{"buttons":[{"id":"a","title":"A"}],"sections":[{"rows":[{"id":"b","title":"B"}]}],"button":"Open"}}}`).invalid(),
				422, "validation_failed", []string{"content.interactive", "content.interactive.button"}},
			{"interactive without body", raw("POST", conv+"/messages", own, js,
				`{"kind":"interactive","content":{"interactive":{"buttons":[{"id":"a","title":"A"}]}}}`).invalid(),
				422, "validation_failed", []string{"body"}},
			{"kind the channel does not carry", raw("POST", conv+"/messages", own, js,
				`{"kind":"location","content":{"location":{"latitude":1,"longitude":2}}}`),
				422, "validation_failed", []string{"kind"}},
			{"reply_to_id of another conversation", raw("POST", conv+"/messages", own, js,
				`{"body":"hi","reply_to_id":"`+noah.MessageID+`"}`), 422, "validation_failed", []string{"reply_to_id"}},
			{"reply_to_id of another workspace", raw("POST", conv+"/messages", own, js,
				`{"body":"hi","reply_to_id":"`+theirMsgs.Messages[0].ID+`"}`), 422, "validation_failed", []string{"reply_to_id"}},
			{"malformed reply_to_id", raw("POST", conv+"/messages", own, js, `{"body":"hi","reply_to_id":"42"}`).invalid(),
				422, "validation_failed", []string{"reply_to_id"}},
			{"reaction to another conversation", raw("POST", lateConv+"/messages", own, js,
				`{"kind":"reaction","content":{"reaction":{"emoji":"👍","target_id":"`+noah.MessageID+`"}}}`),
				422, "validation_failed", []string{"content.reaction.target_id"}},
			{"free-form after the window closed", raw("POST", lateConv+"/messages", own, js, `{"body":"Are you there?"}`),
				422, "validation_failed", []string{windowText}},
			{"location after the window closed", raw("POST", lateConv+"/messages", own, js,
				`{"kind":"location","content":{"location":{"latitude":1,"longitude":2}}}`),
				422, "validation_failed", []string{windowText}},
			{"file after the window closed", multipartCall(lateConv+"/messages", own, part{name: "file", filename: "a.txt", data: []byte("x")}),
				422, "validation_failed", []string{windowText}},

			{"channel of unknown type", raw("POST", "/channels", own, js, `{"type":"whatsapp","name":"WA"}`).invalid(), 422, "validation_failed", []string{"type"}},
			{"channel without name", raw("POST", "/channels", own, js, `{"type":"website"}`).invalid(), 422, "validation_failed", []string{"name"}},
			{"bad colour", raw("POST", "/channels", own, js, `{"type":"website","name":"S","settings":{"color":"red"}}`).invalid(),
				422, "validation_failed", []string{"settings.color"}},
			{"unknown setting", raw("POST", "/channels", own, js, `{"type":"website","name":"S","settings":{"colour":"#000000"}}`).invalid(),
				422, "validation_failed", []string{"settings.colour"}},
			{"unknown nested setting", raw("PATCH", "/channels/"+site.ID, own, js, `{"settings":{"prechat_form":{"on":true}}}`).invalid(),
				422, "validation_failed", []string{"settings.prechat_form.on"}},
			{"origin with a path", raw("PATCH", "/channels/"+site.ID, own, js, `{"settings":{"allowed_origins":["https://a.example/x"]}}`).invalid(),
				422, "validation_failed", []string{"settings.allowed_origins"}},
			{"origin with a fragment", raw("PATCH", "/channels/"+site.ID, own, js, `{"settings":{"allowed_origins":["https://a.example#x"]}}`).invalid(),
				422, "validation_failed", []string{"settings.allowed_origins"}},
			{"settings not an object", raw("PATCH", "/channels/"+site.ID, own, js, `{"settings":[]}`).invalid(),
				422, "validation_failed", []string{"settings"}},
			{"secrets for a website", raw("POST", "/channels", own, js, `{"type":"website","name":"S","secrets":{"key":"x"}}`).invalid(),
				422, "validation_failed", []string{"secrets"}},
			{"whatsapp without number or token", raw("POST", "/channels", own, js, `{"type":"whatsapp_cloud","name":"WA"}`).invalid(),
				422, "validation_failed", []string{"settings.phone_number_id", "settings.waba_id", "secrets.access_token", "secrets.app_secret"}},
			{"whatsapp verify token", raw("POST", "/channels", own, js,
				`{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1","waba_id":"2","verify_token":"mine"},"secrets":{"access_token":"t","app_secret":"s"}}`).invalid(),
				422, "validation_failed", []string{"settings.verify_token"}},
			{"whatsapp bad version and URL", raw("POST", "/channels", own, js,
				`{"type":"whatsapp_cloud","name":"WA","settings":{"phone_number_id":"1","waba_id":"waba-1","api_version":"23","graph_url":"graph.facebook.com","rate_limit":5000},"secrets":{"access_token":"t","app_secret":"s"}}`).invalid(),
				422, "validation_failed", []string{"settings.waba_id", "settings.api_version", "settings.graph_url", "settings.rate_limit"}},
			{"360dialog without key", raw("POST", "/channels", own, js, `{"type":"360dialog","name":"D","secrets":{}}`).invalid(),
				422, "validation_failed", []string{"secrets.api_key"}},
			{"secret of a number", raw("POST", "/channels", own, js, `{"type":"360dialog","name":"D","secrets":{"api_key":7}}`).invalid(),
				422, "validation_failed", []string{"secrets.api_key"}},
			{"unknown secret", raw("PATCH", "/channels/"+wa.ID, own, js, `{"secrets":{"token":"x"}}`).invalid(),
				422, "validation_failed", []string{"secrets.token"}},
			{"empty secret", raw("PATCH", "/channels/"+wa.ID, own, js, `{"secrets":{"access_token":""}}`).invalid(),
				422, "validation_failed", []string{"secrets.access_token"}},
			{"another type's setting", raw("PATCH", "/channels/"+wa.ID, own, js, `{"settings":{"base_url":"https://x.example"}}`),
				422, "validation_failed", []string{"settings.base_url"}},
			{"app id that is not digits", raw("PATCH", "/channels/"+wa.ID, own, js, `{"settings":{"app_id":"my-app"}}`).invalid(),
				422, "validation_failed", []string{"settings.app_id"}},

			// Malformed query parameters: 400.
			{"limit 0", jsonCall("GET", "/contacts?limit=0", own, nil).invalid(), 400, "bad_request", []string{"limit"}},
			{"limit 101", jsonCall("GET", "/conversations?limit=101", own, nil).invalid(), 400, "bad_request", []string{"limit"}},
			{"limit not a number", jsonCall("GET", "/channels?limit=ten", own, nil).invalid(), 400, "bad_request", []string{"limit"}},
			{"forged contacts cursor", jsonCall("GET", "/contacts?cursor=bm9wZQ", own, nil), 400, "bad_request", []string{"cursor"}},
			{"forged conversations cursor", jsonCall("GET", "/conversations?cursor=bm9wZQ", own, nil), 400, "bad_request", []string{"cursor"}},
			{"forged messages cursor", jsonCall("GET", conv+"/messages?cursor=%25%25", own, nil), 400, "bad_request", []string{"cursor"}},
			{"forged channels cursor", jsonCall("GET", "/channels?cursor=x", own, nil), 400, "bad_request", []string{"cursor"}},
			{"unknown status", jsonCall("GET", "/conversations?status=done", own, nil).invalid(), 400, "bad_request", []string{"status"}},
			{"bad assignee", jsonCall("GET", "/conversations?assignee=bob", own, nil), 400, "bad_request", []string{"assignee"}},
			{"bad team id", jsonCall("GET", "/conversations?team_id=7", own, nil).invalid(), 400, "bad_request", []string{"team_id"}},
			{"search too long", jsonCall("GET", "/contacts?q="+strings.Repeat("a", 201), own, nil).invalid(), 400, "bad_request", []string{"q"}},

			// Authentication and roles.
			{"no token", jsonCall("GET", "/contacts", "", nil).invalid(), 401, "unauthorized", nil},
			{"unknown API token", jsonCall("GET", "/contacts", "chr_nope", nil), 401, "unauthorized", nil},
			{"unknown session token", jsonCall("GET", "/contacts", "nope", nil), 401, "unauthorized", nil},
			{"agent creates a channel", jsonCall("POST", "/channels", e.agentTok, map[string]any{"type": "website", "name": "Mine"}), 403, "forbidden", nil},
			{"agent renames a channel", jsonCall("PATCH", "/channels/"+site.ID, e.agentTok, map[string]any{"name": "Mine"}), 403, "forbidden", nil},
			{"agent deletes a channel", jsonCall("DELETE", "/channels/"+site.ID, e.agentTok, nil), 403, "forbidden", nil},
			{"agent checks a channel", jsonCall("POST", "/channels/"+wa.ID+"/check", e.agentTok, nil), 403, "forbidden", nil},

			// Another workspace's ids, and malformed ids, are 404.
			{"their contact", jsonCall("GET", "/contacts/"+theirContact.ID, own, nil), 404, "not_found", nil},
			{"update their contact", jsonCall("PATCH", "/contacts/"+theirContact.ID, own, map[string]any{"name": "Mine"}), 404, "not_found", nil},
			{"delete their contact", jsonCall("DELETE", "/contacts/"+theirContact.ID, own, nil), 404, "not_found", nil},
			{"tag their contact", jsonCall("POST", "/contacts/"+theirContact.ID+"/tags", own, map[string]any{"tags": []string{"x"}}), 404, "not_found", nil},
			{"untag their contact", jsonCall("DELETE", "/contacts/"+theirContact.ID+"/tags/x", own, nil), 404, "not_found", nil},
			{"malformed contact id", jsonCall("GET", "/contacts/42", own, nil).invalid(), 404, "not_found", nil},
			{"their conversation", jsonCall("GET", "/conversations/"+theirs.ConversationID, own, nil), 404, "not_found", nil},
			{"assign their conversation", jsonCall("POST", "/conversations/"+theirs.ConversationID+"/assign", own, map[string]any{"assignee_id": nil}), 404, "not_found", nil},
			{"unassign their conversation", jsonCall("POST", "/conversations/"+theirs.ConversationID+"/unassign", own, nil), 404, "not_found", nil},
			{"close their conversation", jsonCall("POST", "/conversations/"+theirs.ConversationID+"/close", own, nil), 404, "not_found", nil},
			{"reopen their conversation", jsonCall("POST", "/conversations/"+theirs.ConversationID+"/reopen", own, nil), 404, "not_found", nil},
			{"their messages", jsonCall("GET", "/conversations/"+theirs.ConversationID+"/messages", own, nil), 404, "not_found", nil},
			{"message their conversation", jsonCall("POST", "/conversations/"+theirs.ConversationID+"/messages", own, map[string]any{"body": "hi"}), 404, "not_found", nil},
			{"upload to their conversation", multipartCall("/conversations/"+theirs.ConversationID+"/messages", own,
				part{name: "file", filename: "a.txt", data: []byte("x")}), 404, "not_found", nil},
			{"note their conversation", jsonCall("POST", "/conversations/"+theirs.ConversationID+"/notes", own, map[string]any{"body": "hi"}), 404, "not_found", nil},
			{"their attachment", jsonCall("GET", "/attachments/"+theirAttachment, own, nil), 404, "not_found", nil},
			{"their channel", jsonCall("GET", "/channels/"+theirSite.ID, own, nil), 404, "not_found", nil},
			{"update their channel", jsonCall("PATCH", "/channels/"+theirSite.ID, own, map[string]any{"name": "Mine"}), 404, "not_found", nil},
			{"delete their channel", jsonCall("DELETE", "/channels/"+theirSite.ID, own, nil), 404, "not_found", nil},
			{"their channel's health", jsonCall("GET", "/channels/"+theirSite.ID+"/health", own, nil), 404, "not_found", nil},
			{"check their channel", jsonCall("POST", "/channels/"+theirSite.ID+"/check", own, nil), 404, "not_found", nil},
			{"health of a malformed id", jsonCall("GET", "/channels/42/health", own, nil).invalid(), 404, "not_found", nil},
		}
		before := len(must(e.s.Inbox.Messages(ctx, e.owner.WorkspaceID, vera.ConversationID, "", 100))(t).Messages)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got := e.expectError(t, tc.c, tc.status, tc.code)
				if tc.fields != nil {
					names := make([]string, len(tc.fields))
					for i, f := range tc.fields {
						name, text, _ := strings.Cut(f, ": ")
						names[i] = name
						if !strings.Contains(got.Fields[name], text) {
							t.Errorf("fields[%s] = %q, want it to contain %q", name, got.Fields[name], text)
						}
					}
					wantFields(t, got, names...)
				}
			})
		}
		if after := len(must(e.s.Inbox.Messages(ctx, e.owner.WorkspaceID, vera.ConversationID, "", 100))(t).Messages); after != before {
			t.Errorf("refused sends stored %d messages", after-before)
		}
		if n := len(must(e.s.Inbox.Messages(ctx, e.owner.WorkspaceID, late.ConversationID, "", 100))(t).Messages); n != 1 {
			t.Errorf("refused sends after the window stored %d messages", n-1)
		}

		t.Run("WWW-Authenticate", func(t *testing.T) {
			resp, _ := e.do(t, jsonCall("GET", "/contacts", "", nil).invalid())
			if h := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("WWW-Authenticate = %q", h)
			}
		})
		t.Run("session token", func(t *testing.T) {
			e.expect(t, jsonCall("GET", "/contacts", session, nil), http.StatusOK, nil)
		})
		t.Run("their data untouched", func(t *testing.T) {
			var c contactJSON
			e.expect(t, jsonCall("GET", "/contacts/"+theirContact.ID, e.strangerTok, nil), http.StatusOK, &c)
			if c.Name != "Theirs" {
				t.Errorf("their contact = %+v", c)
			}
			e.expect(t, jsonCall("GET", "/channels/"+theirSite.ID, e.strangerTok, nil), http.StatusOK, nil)
		})
		t.Run("unknown endpoint and method", func(t *testing.T) {
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, httptest.NewRequest("GET", Prefix+"/nope", nil))
			if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"not_found"`) {
				t.Errorf("GET /nope = %d %s", rec.Code, rec.Body)
			}
			rec = httptest.NewRecorder()
			e.handler.ServeHTTP(rec, httptest.NewRequest("PUT", Prefix+"/contacts", nil))
			if rec.Code != 405 || rec.Header().Get("Allow") != "GET, POST" {
				t.Errorf("PUT /contacts = %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
			}
		})
	})
}

// failReader fails the test if the handler reads the body at all.
type failReader struct {
	t    *testing.T
	read bool
}

func (f *failReader) Read([]byte) (int, error) {
	f.read = true
	return 0, io.ErrUnexpectedEOF
}

func (f *failReader) Close() error { return nil }

func TestUploadLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		var site channelJSON
		e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{"type": "website", "name": "Site"}), http.StatusCreated, &site)
		vera, _ := seed(t, e, site)
		path := "/conversations/" + vera.ConversationID + "/messages"
		blobs := countFiles(t, e.blobDir)

		t.Run("at the limit", func(t *testing.T) {
			var m messageJSON
			e.expect(t, multipartCall(path, e.agentTok, part{name: "file", filename: "max.bin", data: bytes.Repeat([]byte{1}, uploadLimit)}),
				http.StatusCreated, &m)
			if len(m.Attachments) != 1 || m.Attachments[0].Size != uploadLimit {
				t.Errorf("message = %+v", m)
			}
			blobs++
		})

		t.Run("over the limit while streaming", func(t *testing.T) {
			got := e.expectError(t, multipartCall(path, e.agentTok,
				part{name: "body", data: []byte("too big")},
				part{name: "file", filename: "big.bin", data: bytes.Repeat([]byte{1}, uploadLimit+1)}).silent(),
				http.StatusRequestEntityTooLarge, "payload_too_large")
			if !strings.Contains(got.Message, "1 MiB") {
				t.Errorf("message = %q, want the limit named", got.Message)
			}
			if n := countFiles(t, e.blobDir); n != blobs {
				t.Errorf("%d stored files after a refused upload, want %d", n, blobs)
			}
		})

		t.Run("declared length over the limit", func(t *testing.T) {
			c := multipartCall(path, e.agentTok, part{name: "file", filename: "big.bin", data: []byte("x")}).silent()
			req := httptest.NewRequest(c.method, Prefix+c.path, nil)
			body := &failReader{t: t}
			req.Body, req.ContentLength = body, uploadLimit+formSlack+1
			req.Header.Set("Content-Type", c.contentType)
			req.Header.Set("Authorization", "Bearer "+c.token)
			rec := httptest.NewRecorder()
			e.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusRequestEntityTooLarge || body.read {
				t.Errorf("status %d (want 413), body read: %v", rec.Code, body.read)
			}
			e.checkResponse(t, c, rec.Result(), rec.Body.Bytes())
		})

		msgs := must(e.s.Inbox.Messages(t.Context(), e.owner.WorkspaceID, vera.ConversationID, "", 100))(t).Messages
		if len(msgs) != 2 {
			t.Errorf("%d messages, want the incoming one and the upload at the limit", len(msgs))
		}
	})
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// clock is a settable time source for the rate limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		clk := &clock{t: time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)}
		o := defaults
		o.now = clk.now
		e := newEnv(t, d, o)

		for i := range o.burst {
			if resp, body := e.do(t, jsonCall("GET", "/channels", e.ownerTok, nil)); resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
			}
		}
		resp, _ := e.do(t, jsonCall("GET", "/channels", e.ownerTok, nil))
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("request %d: %d, Retry-After %q; want 429 and 1", o.burst+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		e.expectError(t, jsonCall("POST", "/contacts", e.ownerTok, map[string]any{}), http.StatusTooManyRequests, "rate_limited")

		// Buckets are per token.
		e.expect(t, jsonCall("GET", "/channels", e.agentTok, nil), http.StatusOK, nil)

		// A second refills 20 requests.
		clk.add(time.Second)
		for i := range 20 {
			if resp, body := e.do(t, jsonCall("GET", "/channels", e.ownerTok, nil)); resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d after a second: %d %s", i+1, resp.StatusCode, body)
			}
		}
		e.expectError(t, jsonCall("GET", "/channels", e.ownerTok, nil), http.StatusTooManyRequests, "rate_limited")
	})
}
