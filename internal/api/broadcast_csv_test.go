package api

import (
	"net/http"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func csvCall(path, token, body string) call {
	return call{method: http.MethodPost, path: path, token: token, contentType: "text/csv", body: []byte(body)}
}

// TestBroadcastAudienceCSV previews a list with bad rows, each with its
// reason and nothing written; imports it, creating contacts for new numbers
// and keeping the good rows as an audience a broadcast takes; and refuses
// forms and lists that cannot be used, writing nothing.
func TestBroadcastAudienceCSV(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		own := e.ownerTok
		known := e.newContact(t, own, map[string]any{"name": "Known Person", "phone": "+5511987654321"})
		theirs := e.newContact(t, e.strangerTok, map[string]any{"name": "Theirs"})
		sheet := "name,phone\n" +
			"Known,+55 11 98765-4321\n" + // line 2: a contact, formatted
			"New,+14155550123\n" + // 3: a new number
			"Bad,not a number\n" + // 4
			"Again,5511987654321\n" + // 5: the known contact in another form
			"ById," + known.ID + "\n" + // 6: the known contact by id
			"Nobody,01900000-0000-7000-8000-000000000000\n" + // 7: no such contact
			"Theirs," + theirs.ID + "\n" + // 8: another workspace's contact
			"Empty,\n" // 9
		wantErrors := map[int]string{4: "not a phone number", 5: "same contact as line 2", 6: "same contact as line 2",
			7: "no contact has this id", 8: "no contact has this id", 9: "empty"}
		contactsNow := func() int {
			var p list[contactJSON]
			e.expect(t, jsonCall("GET", "/contacts?limit=100", own, nil), http.StatusOK, &p)
			return len(p.Data)
		}
		before := contactsNow()
		path := "/broadcasts/audience/csv"

		t.Run("preview", func(t *testing.T) {
			var p csvJSON
			e.expect(t, csvCall(path, e.agentTok, sheet), http.StatusOK, &p)
			if p.Good != 2 || p.New != 1 || p.Bad != 6 || len(p.Rows) != 8 || p.Audience != nil {
				t.Fatalf("preview = %+v", p)
			}
			for _, r := range p.Rows {
				want := wantErrors[r.Line]
				if (want == "") != (r.Error == nil) || (r.Error != nil && !strings.Contains(*r.Error, want)) {
					t.Errorf("line %d: error %v, want %q", r.Line, r.Error, want)
				}
			}
			if r := p.Rows[0]; r.ContactID == nil || *r.ContactID != known.ID || r.Phone == nil || *r.Phone != "+5511987654321" {
				t.Errorf("the known contact's row = %+v", r)
			}
			if r := p.Rows[1]; !r.New || r.ContactID != nil || r.Phone == nil || *r.Phone != "+14155550123" {
				t.Errorf("the new number's row = %+v", r)
			}
			if n := contactsNow(); n != before {
				t.Errorf("a preview created %d contacts", n-before)
			}
		})

		t.Run("region", func(t *testing.T) {
			var p csvJSON
			e.expect(t, csvCall(path, own, "phone\n(415) 555-0124\n"), http.StatusOK, &p)
			if p.Bad != 1 {
				t.Errorf("a national number without a region: %+v", p.Rows)
			}
			e.expect(t, csvCall(path+"?region=us", own, "phone\n(415) 555-0124\n"), http.StatusOK, &p)
			if p.Good != 1 || *p.Rows[0].Phone != "+14155550124" {
				t.Errorf("a national number in the US: %+v", p.Rows)
			}
			checkBad(t, e, badCase{c: csvCall(path+"?region=ZZ", own, "phone\n1\n"), status: 400, code: "bad_request", fields: []string{"region"}})
		})

		t.Run("refused without writing", func(t *testing.T) {
			for _, tc := range []badCase{
				{"an agent imports", csvCall(path+"?import=true", e.agentTok, sheet), 403, "forbidden", nil},
				{"no good row", csvCall(path+"?import=true", own, "phone\nnope\nalso nope\n"), 422, "validation_failed", []string{"file"}},
				{"no rows", csvCall(path, own, "phone\n"), 422, "validation_failed", []string{"file"}},
				{"not CSV", csvCall(path, own, "phone\n\"unclosed\n").invalid(), 422, "validation_failed", []string{"file"}},
				{"JSON", jsonCall("POST", path, own, map[string]any{"file": "x"}).invalid(), 400, "bad_request", nil},
				{"bad import flag", csvCall(path+"?import=yes", own, sheet).invalid(), 400, "bad_request", []string{"import"}},
				{"form without the file", multipartCall(path+"?import=true", own, part{name: "list", data: []byte(sheet)}).invalid(),
					422, "validation_failed", []string{"list"}},
				{"form with more after the file", multipartCall(path+"?import=true", own,
					part{name: "file", filename: "list.csv", contentType: "text/csv", data: []byte(sheet)},
					part{name: "note", data: []byte("x")}).invalid(), 422, "validation_failed", []string{"note"}},
			} {
				t.Run(tc.name, func(t *testing.T) { checkBad(t, e, tc) })
			}
			if n := contactsNow(); n != before {
				t.Errorf("refused lists created %d contacts", n-before)
			}
		})

		t.Run("import keeps the good rows", func(t *testing.T) {
			var p csvJSON
			e.expect(t, multipartCall(path+"?import=true", own, part{name: "file", filename: "list.csv", contentType: "text/csv", data: []byte(sheet)}),
				http.StatusOK, &p)
			if p.Good != 2 || p.Bad != 6 || p.Audience == nil || len(p.Audience.ContactIDs) != 2 || p.Audience.ContactIDs[0] != known.ID {
				t.Fatalf("import = %+v", p)
			}
			created := p.Audience.ContactIDs[1]
			if r := p.Rows[1]; r.ContactID == nil || *r.ContactID != created {
				t.Errorf("the new number's row = %+v, want the created contact", r)
			}
			var c contactJSON
			e.expect(t, jsonCall("GET", "/contacts/"+created, own, nil), http.StatusOK, &c)
			if c.Phone != "+14155550123" {
				t.Errorf("created contact = %+v", c)
			}
			if n := contactsNow(); n != before+1 {
				t.Errorf("%d contacts created, want 1", n-before)
			}
			e.expectError(t, jsonCall("GET", "/contacts/"+created, e.strangerTok, nil), 404, "not_found")

			// The audience goes into a broadcast as it is.
			var site channelJSON
			e.expect(t, jsonCall("POST", "/channels", own, map[string]any{"type": "website", "name": "Site"}), http.StatusCreated, &site)
			var b broadcastJSON
			e.expect(t, jsonCall("POST", "/broadcasts", own, map[string]any{"name": "From a list", "channel_id": site.ID,
				"text": "We now open on Sundays!", "audience": p.Audience}), http.StatusCreated, &b)
			if b.Audience.ContactCount == nil || *b.Audience.ContactCount != 2 || b.Text == nil {
				t.Errorf("broadcast to the list = %+v", b)
			}
		})
	})
}
