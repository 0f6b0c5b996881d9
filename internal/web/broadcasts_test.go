package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"charla/internal/broadcast"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
	msgtpl "charla/internal/templates"
)

// springSale is an approved marketing template with one body variable.
var springSale = emulator.Template{Name: "spring_sale", Language: "en_US", Category: "MARKETING", Status: "APPROVED",
	Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, our spring sale starts today","example":{"body_text":[["Ana"]]}}]`)}

// bcFixture is a signed-in owner with a WhatsApp number whose templates
// are synced, contacts tagged "vip" and a segment of them.
type bcFixture struct {
	waFixture
	tpl     msgtpl.Template
	vips    []contacts.Contact
	segment contacts.Segment
}

func newBroadcasts(t *testing.T, d *store.DB, mod func(*emulator.Config)) bcFixture {
	t.Helper()
	f := newWhatsApp(t, d, func(c *emulator.Config) {
		c.Templates = []emulator.Template{springSale}
		if mod != nil {
			mod(c)
		}
	})
	f.syncTemplates()
	b := bcFixture{waFixture: f, tpl: f.template("spring_sale", "en_US")}
	b.vips = b.people("vip", "Vera Souza", "Ana Lima", "Bruno Costa")
	sg, err := f.e.s.Contacts.CreateSegment(context.Background(), f.owner.WorkspaceID, contacts.SegmentInput{Name: bcPtr("VIP customers"),
		Filter: &contacts.Filter{Tags: &contacts.TagCondition{Mode: contacts.TagsAny, Tags: []string{"vip"}}}})
	if err != nil {
		t.Fatal(err)
	}
	b.segment = sg
	return b
}

func bcPtr[T any](v T) *T { return &v }

// people creates contacts with a tag and numbers +5511977700000, …01, ….
func (f bcFixture) people(tag string, names ...string) []contacts.Contact {
	f.e.t.Helper()
	var out []contacts.Contact
	for _, n := range names {
		phone := fmt.Sprintf("+55119777%05d", peopleSeq(f))
		c, err := f.e.s.Contacts.Create(context.Background(), f.owner.WorkspaceID, contacts.Input{Name: bcPtr(n), Phone: &phone, Tags: []string{tag}})
		if err != nil {
			f.e.t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// peopleSeq numbers contacts within the fixture's workspace.
func peopleSeq(f bcFixture) int {
	n, err := f.e.s.Contacts.Count(context.Background(), f.owner.WorkspaceID, contacts.Filter{})
	if err != nil {
		f.e.t.Fatal(err)
	}
	return n
}

// form is the new-broadcast form filled for the segment, {{1}} mapped to the first name.
func (f bcFixture) form(name string) url.Values {
	return url.Values{"name": {name}, "channel_id": {f.wa.ID}, "template_id": {f.tpl.ID}, "tpl_body_1": {"{{contact.first_name}}"},
		"audience": {"segment"}, "segment_id": {f.segment.ID}, "when": {"now"}, "time_zone": {"Europe/Madrid"}}
}

var broadcastLocation = regexp.MustCompile(`^/broadcasts/([0-9a-f-]{36})\?done=created$`)

// create posts the form and returns the new draft's id.
func (f bcFixture) create(form url.Values) string {
	f.e.t.Helper()
	p := f.b.post("/broadcasts", form)
	m := broadcastLocation.FindStringSubmatch(p.Header.Get("Location"))
	if p.StatusCode != http.StatusSeeOther || m == nil {
		f.e.t.Fatalf("create: %d to %q\n%s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	return m[1]
}

func (f bcFixture) get(id string) broadcast.Broadcast {
	f.e.t.Helper()
	b, err := f.e.s.Broadcasts.Get(context.Background(), f.owner.WorkspaceID, id)
	if err != nil {
		f.e.t.Fatal(err)
	}
	return b
}

// waitStatus waits for broadcast id to reach status.
func (f bcFixture) waitStatus(id, status string) broadcast.Broadcast {
	f.e.t.Helper()
	var b broadcast.Broadcast
	f.e.eventually("broadcast "+status, func() bool {
		b = f.get(id)
		return b.Status == status
	})
	return b
}

// testids lists the data-testid values of a page that start with prefix.
func testids(p page, prefix string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`data-testid="(`+regexp.QuoteMeta(prefix)+`[^"]*)"`).FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

func wantHas(t *testing.T, p page, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !p.has(w) {
			t.Errorf("%s %s lacks %q", p.Request.Method, p.Request.URL, w)
		}
	}
}

func wantLacks(t *testing.T, p page, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if p.has(w) {
			t.Errorf("%s %s has %q", p.Request.Method, p.Request.URL, w)
		}
	}
}

func TestBroadcastNewEditAndValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newBroadcasts(t, d, nil)

		// The nav leads to an empty list that offers a new broadcast.
		p := f.b.get("/broadcasts")
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `data-testid="nav-broadcasts"`, `data-testid="bc-empty"`, `href="/broadcasts/new"`)

		// The form offers the channel, its approved template and the segment with its live count.
		p = f.b.get("/broadcasts/new")
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `<option value="`+f.wa.ID+`" selected`, `<option value="`+f.tpl.ID+`" data-name="spring_sale"`,
			`<option value="`+f.segment.ID+`">VIP customers</option>`, `data-testid="bc-csv-input"`)
		p = f.b.htmx(http.MethodGet, "/broadcasts/form/audience?"+url.Values{"channel_id": {f.wa.ID}, "segment_id": {f.segment.ID}}.Encode(), "bc-segment-info", nil)
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `data-testid="bc-segment-count" data-value="3"`, `id="bc-sample"`)
		sample := regexp.MustCompile(`name="sample_contact_id" value="([^"]+)"`).FindStringSubmatch(p.body)

		// Choosing the template brings the composer's inputs, contact fields
		// but the agent's, and a preview filled for a contact of the segment.
		q := url.Values{"channel_id": {f.wa.ID}, "template_id": {f.tpl.ID}, "sample_contact_id": {sample[1]}}
		p = f.b.htmx(http.MethodGet, "/broadcasts/form/template?"+q.Encode(), "tpl-vars", nil)
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `name="tpl_body_1"`, `<option value="{{contact.first_name}}">First name (e.g. `, `data-testid="bc-sample-name"`,
			`data-testid="template-preview-body">Hi {{1}}, our spring sale starts today<`)
		wantLacks(t, p, `{{agent.name}}`)
		q.Set("tpl_body_1", "{{contact.first_name}}")
		p = f.b.htmx(http.MethodGet, "/broadcasts/form/preview?"+q.Encode(), "tpl-preview", nil)
		first := strings.Fields(map[string]string{f.vips[0].ID: "Vera", f.vips[1].ID: "Ana", f.vips[2].ID: "Bruno"}[sample[1]])
		if len(first) != 1 || !p.has(`data-testid="template-preview-body">Hi `+first[0]+`, our spring sale starts today<`) {
			t.Fatalf("preview for %s:\n%s", sample[1], p.body)
		}

		// Mistakes come back next to their fields, the form kept as typed.
		bad := f.form("")
		bad.Set("tpl_body_1", "")
		p = f.b.post("/broadcasts", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="form-error"`, `data-testid="error-template"`, `Body {{1}} is required`,
			`<option value="`+f.tpl.ID+`" data-name="spring_sale" data-language="en_US" selected`, `name="tpl_body_1"`)
		bad = f.form("")
		p = f.b.post("/broadcasts", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="error-name"`, "Name must be 1 to 100 characters", `value="{{contact.first_name}}"`)
		bad = f.form("Later")
		bad.Set("when", "later")
		bad.Set("scheduled_at", "2020-01-01T09:00")
		p = f.b.post("/broadcasts", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="error-scheduled_at"`, "Send time must be in the future", `value="2020-01-01T09:00"`)
		bad.Set("time_zone", "Mars/Olympus")
		bad.Set("scheduled_at", "2999-01-01T09:00")
		p = f.b.post("/broadcasts", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="error-time_zone"`, "Time zone must be an IANA time zone")
		bad = f.form("No audience")
		bad.Del("segment_id")
		p = f.b.post("/broadcasts", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="error-audience"`, "Segment is required")
		bad = f.form("Agent")
		bad.Set("tpl_body_1", "{{agent.name}}")
		p = f.b.post("/broadcasts", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, "A broadcast has no agent")
		if page, _ := f.e.s.Broadcasts.List(context.Background(), f.owner.WorkspaceID, "", "", 10); len(page.Broadcasts) != 0 {
			t.Fatalf("refused forms saved %d broadcasts", len(page.Broadcasts))
		}

		// Saved, the draft's page shows what it sends, the estimate and "Send now".
		id := f.create(f.form("Spring sale"))
		p = f.b.get("/broadcasts/" + id + "?done=created")
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `data-testid="notice"`, `data-testid="bc-status">Draft<`, `data-testid="bc-audience">Segment VIP customers<`,
			`data-testid="template-preview-body">Hi {{contact.first_name}}, our spring sale starts today<`,
			`data-testid="bc-estimate-recipients" data-value="3"`, `data-testid="bc-estimate-rate"`, `data-testid="bc-estimate-duration"`,
			`data-testid="bc-limit-warning"`, "does not know this number&#39;s messaging limit yet", `data-testid="bc-start">Send now<`,
			`data-testid="bc-edit"`, `data-testid="bc-delete"`)
		wantLacks(t, p, `data-testid="bc-pause"`, `data-testid="bc-cancel"`, `data-testid="bc-start-anyway"`, `data-testid="bc-recipients"`)
		b := f.get(id)
		if b.Template == nil || b.Template.Name != "spring_sale" || len(b.Template.Values.Body) != 1 ||
			b.Template.Values.Body[0] != "{{contact.first_name}}" || b.Audience.SegmentID != f.segment.ID || b.TimeZone != "Europe/Madrid" {
			t.Fatalf("saved %+v %+v", b, b.Template)
		}

		// The edit form comes filled in; a schedule in the chosen zone is saved in UTC.
		p = f.b.get("/broadcasts/" + id + "/edit")
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `value="Spring sale"`, `value="{{contact.first_name}}"`, `data-testid="bc-channel-fixed"`,
			`<option value="`+f.segment.ID+`" selected>`, `data-testid="bc-segment-count" data-value="3"`)
		edit := f.form("Spring sale, later")
		edit.Set("when", "later")
		edit.Set("scheduled_at", "2999-06-01T09:30")
		p = f.b.post("/broadcasts/"+id, edit)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=updated")
		b = f.get(id)
		if b.Name != "Spring sale, later" || b.ScheduledAt == nil || b.ScheduledAt.Format("2006-01-02 15:04") != "2999-06-01 07:30" {
			t.Fatalf("updated: %q at %v", b.Name, b.ScheduledAt)
		}
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-start">Schedule for Sat, 1 Jun 2999 09:30 (Europe/Madrid)<`)

		// The list shows it with its status, channel and audience, and filters by status.
		p = f.b.get("/broadcasts")
		wantHas(t, p, `data-testid="bc-row" data-id="`+id+`" data-status="draft"`, `data-testid="bc-row-audience">Segment VIP customers<`,
			"Sales WhatsApp", "Sat, 1 Jun 2999 09:30 (Europe/Madrid)")
		if p := f.b.get("/broadcasts?status=running"); p.has(`data-id="`+id+`"`) || !p.has(`data-testid="bc-empty"`) {
			t.Fatalf("running filter lists the draft:\n%s", p.body)
		}
		if p := f.b.get("/broadcasts?status=draft"); !p.has(`data-id="` + id + `"`) {
			t.Fatalf("draft filter lacks the draft")
		}

		// A website channel sends a text instead; WhatsApp refuses one.
		site := f.e.website(f.owner)
		p = f.b.htmx(http.MethodGet, "/broadcasts/form/content?channel_id="+site.ID, "bc-content", nil)
		wantHas(t, p, `data-testid="bc-text-input"`, `data-templates="false"`)
		wantLacks(t, p, `data-testid="template-select"`)
		text := url.Values{"name": {"Site news"}, "channel_id": {site.ID}, "text": {"We moved <b>downtown</b>"},
			"audience": {"segment"}, "segment_id": {f.segment.ID}, "when": {"now"}}
		p = f.b.post("/broadcasts", url.Values{"name": {"Site news"}, "channel_id": {site.ID}, "audience": {"segment"},
			"segment_id": {f.segment.ID}, "when": {"now"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="error-text"`, "Write a text or choose a template", `data-testid="bc-text-input"`)
		textID := f.create(text)
		p = f.b.get("/broadcasts/" + textID)
		wantHas(t, p, `data-testid="bc-text">We moved &lt;b&gt;downtown&lt;/b&gt;<`, `data-testid="bc-channel">Acme site · Website<`)

		// Deleted, it is gone.
		p = f.b.post("/broadcasts/"+id+"/delete", nil)
		wantRedirect(t, p, "/broadcasts?done=deleted")
		wantStatus(t, f.b.get("/broadcasts/"+id), http.StatusNotFound)
	})
}

func TestBroadcastCSVAudience(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newBroadcasts(t, d, nil)
		known := f.vips[0]
		list := "phone\n" + known.Phone + "\n+5511966660001\nnot a number\n" + known.Phone + "\n00000000-0000-7000-8000-000000000000\n"
		csv := part{name: "csv", filename: "people.csv", mimeType: "text/csv", data: []byte(list)}

		// The preview names each row's contact or what is wrong with it; nothing is written.
		p := f.b.postMultipart("/broadcasts/form/csv", csv, part{name: "csv_region", value: ""})
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `data-good="2" data-bad="3"`, "2 rows will be imported", "(1 new contacts)", "3 rows can't be used",
			"not a phone number or contact id", "the same contact as line 2", "no contact has this id", `data-line="6" data-ok="false"`)
		if n := peopleSeq(f); n != 3 {
			t.Fatalf("the preview created contacts: %d", n)
		}
		p = f.b.postMultipart("/broadcasts/form/csv", part{name: "csv", filename: "empty.csv", mimeType: "text/csv", data: []byte("phone\n")})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="bc-csv-error"`, "File has no rows")

		// Saved with the list, the good rows are the audience, the new number a contact.
		fields := []part{csv}
		for k, vs := range f.form("From a list") {
			if k != "audience" && k != "segment_id" {
				fields = append(fields, part{name: k, value: vs[0]})
			}
		}
		// A mistake elsewhere keeps the imported list for the next try.
		withoutName := append([]part{{name: "audience", value: "csv"}}, fields...)
		for i := range withoutName {
			if withoutName[i].name == "name" {
				withoutName[i].value = ""
			}
		}
		p = f.b.postMultipart("/broadcasts", withoutName...)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, "Name must be 1 to 100 characters", `data-testid="bc-kept"`, "The uploaded list of 2 contacts is kept", `name="kept_ids"`,
			`data-testid="bc-csv-preview" data-good="2" data-bad="3"`)
		kept := regexp.MustCompile(`name="kept_ids" value="([^"]+)"`).FindStringSubmatch(p.body)
		if kept == nil || len(strings.Fields(kept[1])) != 2 {
			t.Fatalf("kept ids: %v", kept)
		}
		form := f.form("From a list")
		form.Set("audience", "csv")
		form.Set("kept_ids", kept[1])
		id := f.create(form)
		b := f.get(id)
		if len(b.Audience.ContactIDs) != 2 || b.Audience.ContactIDs[0] != known.ID {
			t.Fatalf("audience %+v", b.Audience)
		}
		newbie, err := f.e.s.Contacts.Get(context.Background(), f.owner.WorkspaceID, b.Audience.ContactIDs[1])
		if err != nil || newbie.Phone != "+5511966660001" {
			t.Fatalf("imported contact %+v %v", newbie, err)
		}
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-audience">A list of 2 contacts<`, `data-testid="bc-estimate-recipients" data-value="2"`)
		p = f.b.get("/broadcasts/" + id + "/edit")
		wantHas(t, p, `value="csv" checked`, "The uploaded list of 2 contacts is kept")
		wantLacks(t, p, `name="kept_ids"`)

		// Without any list, the form says so.
		form.Del("kept_ids")
		p = f.b.post("/broadcasts", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="error-file"`, "Choose a CSV file with the audience")
	})
}

func TestBroadcastStartPauseResumeCancel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		// The number's sending rate is spent for the next hour: messages stay queued.
		f := bcFixture{waFixture: newHeldWhatsApp(t, d)}
		if _, err := f.e.s.Templates.Sync(context.Background(), f.owner.WorkspaceID, f.wa.ID); err != nil {
			t.Fatal(err)
		}
		f.tpl = f.template("hello_world", "en_US")
		f.vips = f.people("vip", "Vera Souza", "Ana Lima")
		sg, err := f.e.s.Contacts.CreateSegment(context.Background(), f.owner.WorkspaceID, contacts.SegmentInput{Name: bcPtr("VIP"),
			Filter: &contacts.Filter{Tags: &contacts.TagCondition{Mode: contacts.TagsAny, Tags: []string{"vip"}}}})
		if err != nil {
			t.Fatal(err)
		}
		f.segment = sg
		form := f.form("Hello all")
		form.Del("tpl_body_1")
		id := f.create(form)
		agent := f.agent()

		// Agents may look but not start.
		p := agent.get("/broadcasts/" + id)
		wantStatus(t, p, http.StatusOK)
		wantLacks(t, p, `data-testid="bc-start"`, `data-testid="bc-edit"`, `data-testid="bc-delete"`)
		wantStatus(t, agent.post("/broadcasts/"+id+"/start", nil), http.StatusForbidden)
		wantStatus(t, agent.get("/broadcasts/new"), http.StatusForbidden)
		wantStatus(t, agent.get("/broadcasts/"+id+"/edit"), http.StatusForbidden)
		if p := agent.get("/broadcasts"); p.has(`data-testid="bc-new"`) || !p.has(`data-id="`+id+`"`) {
			t.Fatalf("agent's list:\n%s", p.body)
		}
		if f.get(id).Status != broadcast.Draft {
			t.Fatal("an agent started the broadcast")
		}

		// Another workspace's users don't find it.
		f.e.workspace("Globex", "gus@globex.test")
		gus := f.e.browser()
		gus.login("gus@globex.test")
		for _, path := range []string{"/broadcasts/" + id, "/broadcasts/" + id + "/report", "/broadcasts/" + id + "/live",
			"/broadcasts/" + id + "/recipients", "/broadcasts/" + id + "/edit"} {
			wantStatus(t, gus.get(path), http.StatusNotFound)
		}
		wantStatus(t, gus.post("/broadcasts/"+id+"/start", nil), http.StatusNotFound)
		if p := gus.get("/broadcasts"); p.has(id) {
			t.Fatal("another workspace lists the broadcast")
		}

		// A form posted from another site is refused.
		wantStatus(t, f.b.post("/broadcasts/"+id+"/start", nil, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
		if f.get(id).Status != broadcast.Draft {
			t.Fatal("a cross-site form started the broadcast")
		}

		// Started, it runs; the page offers pause and cancel, and lists the recipients.
		s := openStream(t, f.b)
		p = f.b.post("/broadcasts/"+id+"/start", nil)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=started")
		if data := s.until("bc-" + id); data != id {
			t.Fatalf("event data %q", data)
		}
		f.e.eventually("both recipients queued", func() bool {
			c := f.get(id).Counts
			return c.Queued+c.Sent == 2
		})
		p = f.b.get("/broadcasts/" + id + "?done=started")
		wantHas(t, p, `data-testid="bc-status">Running<`, `data-testid="bc-pause"`, `data-testid="bc-cancel"`, `data-testid="bc-recipients"`,
			`data-testid="bc-count-queued" data-value="2"`, `data-testid="bc-progress"`, `hx-trigger="sse:bc-`+id+` delay:100ms, sse:refresh"`,
			`sse-connect="/events"`, "Vera Souza", "Ana Lima", `data-testid="bc-report-link"`)
		wantLacks(t, p, `data-testid="bc-resume"`, `data-testid="bc-start"`, `data-testid="bc-edit"`, `data-testid="bc-delete"`,
			`data-testid="bc-estimate"`)
		// A started broadcast can't be edited any more.
		wantStatus(t, f.b.get("/broadcasts/"+id+"/edit"), http.StatusConflict)

		// The recipient table filters by status and links to the conversation.
		p = f.b.htmx(http.MethodGet, "/broadcasts/"+id+"/recipients?status=queued", "recipients", nil)
		wantStatus(t, p, http.StatusOK)
		if rows := testids(p, "bc-recipient-name"); len(rows) != 2 {
			t.Fatalf("queued recipients: %v\n%s", rows, p.body)
		}
		link := regexp.MustCompile(`href="(/broadcasts/` + id + `/messages/[^"]+)"`).FindStringSubmatch(p.body)
		if link == nil {
			t.Fatalf("no conversation link:\n%s", p.body)
		}
		to := f.b.get(link[1])
		if to.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to.Header.Get("Location"), "/conversations/") {
			t.Fatalf("conversation link: %d %q", to.StatusCode, to.Header.Get("Location"))
		}
		p = f.b.htmx(http.MethodGet, "/broadcasts/"+id+"/recipients?status=failed", "recipients", nil)
		wantHas(t, p, `data-testid="bc-recipients-empty"`)
		// Pages follow each other by cursor.
		if rec, err := f.e.s.Broadcasts.Recipients(context.Background(), f.owner.WorkspaceID, id, "", "", 1); err != nil || rec.Next == "" {
			t.Fatalf("recipients: %+v %v", rec, err)
		} else {
			p = f.b.get("/broadcasts/" + id + "?after=" + rec.Next)
			if rows := testids(p, "bc-recipient-name"); len(rows) != 1 || !p.has(`data-testid="bc-recipients-first"`) {
				t.Fatalf("second page: %v", rows)
			}
		}

		// Paused: held back, resumable.
		p = f.b.post("/broadcasts/"+id+"/pause", nil)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=paused")
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-status">Paused<`, `data-testid="bc-resume"`, `data-testid="bc-cancel"`, `data-testid="bc-pause-reason"`,
			"Paused by a user")
		wantLacks(t, p, `data-testid="bc-pause"`)
		// Pausing twice is refused, saying why.
		p = f.b.post("/broadcasts/"+id+"/pause", nil)
		wantStatus(t, p, http.StatusConflict)
		wantHas(t, p, `data-testid="form-error"`, "Only a running broadcast can be paused; this one is paused")
		// The live panel alone, as the event stream refreshes it.
		p = f.b.htmx(http.MethodGet, "/broadcasts/"+id+"/live", "bc-live", nil)
		wantHas(t, p, `id="bc-live"`, `data-status="paused"`)
		wantLacks(t, p, "<html")

		p = f.b.post("/broadcasts/"+id+"/resume", nil)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=resumed")
		if b := f.get(id); b.Status != broadcast.Running {
			t.Fatalf("resumed: %s", b.Status)
		}

		// Cancelled, nothing more is offered but the report.
		p = f.b.post("/broadcasts/"+id+"/cancel", nil)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=cancelled")
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-status">Cancelled<`, `data-testid="bc-report-link"`, `data-testid="bc-delete"`)
		wantLacks(t, p, `data-testid="bc-pause"`, `data-testid="bc-resume"`, `data-testid="bc-cancel"`, `data-testid="bc-retry"`)
		p = f.b.post("/broadcasts/"+id+"/resume", nil)
		wantStatus(t, p, http.StatusConflict)
		if p := f.b.get("/broadcasts?status=cancelled"); !p.has(`data-id="` + id + `" data-status="cancelled"`) {
			t.Fatal("cancelled filter lacks it")
		}
	})
}

func TestBroadcastLimitCheckAndReport(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		// One of the numbers is not on WhatsApp.
		f := newBroadcasts(t, d, func(c *emulator.Config) { c.KnownNumbers = []string{"5511977700000", "5511977700001"} })
		ctx := context.Background()
		id := f.create(f.form("Spring sale"))

		// The number may start conversations with 2 more people today: 3 won't fit.
		if err := f.e.s.Channels.RecordNumber(ctx, f.wa.ID, channel.NumberInfo{MessagingLimit: "TIER_250", Limit: 2}); err != nil {
			t.Fatal(err)
		}
		p := f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-limit-refusal"`, "The audience has 3 contacts, but this number may start conversations with only 2 more",
			`data-testid="bc-estimate-limit" data-limit="2" data-left="2"`, `data-testid="bc-start-anyway"`)
		wantLacks(t, p, `data-testid="bc-start"`)
		p = f.b.post("/broadcasts/"+id+"/start", nil)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantHas(t, p, `data-testid="form-error"`, "The audience has 3 contacts", `data-testid="bc-start-anyway"`)
		if f.get(id).Status != broadcast.Draft {
			t.Fatal("started past the limit")
		}
		// Confirmed, it starts anyway.
		p = f.b.post("/broadcasts/"+id+"/start", url.Values{"ignore_limit": {"1"}})
		wantRedirect(t, p, "/broadcasts/"+id+"?done=started")
		b := f.waitStatus(id, broadcast.Completed)
		if b.Counts.Sent != 2 || b.Counts.Failed != 1 {
			rec, _ := f.e.s.Broadcasts.Recipients(ctx, f.owner.WorkspaceID, id, "", "", 10)
			t.Fatalf("counts %+v %+v", b.Counts, rec)
		}
		// WhatsApp reports the messages delivered (and read).
		if err := f.emu.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		f.e.eventually("deliveries", func() bool { return f.get(id).Counts.Delivered == 2 })

		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-status">Completed<`, `data-testid="bc-count-delivered" data-value="2"`,
			`data-testid="bc-count-failed" data-value="1"`, `data-testid="bc-progress" data-done="3" data-total="3"`)
		// 131026 won't pass by sending again: no retry is offered.
		wantLacks(t, p, `data-testid="bc-retry"`)
		p = f.b.get("/broadcasts/" + id + "?rstatus=failed")
		if rows := testids(p, "bc-recipient-name"); len(rows) != 1 || !p.has("Bruno Costa") || !p.has("(131026)") {
			t.Fatalf("failed recipients %v:\n%s", rows, p.body)
		}

		// The report: rates, and the failure by its code with what to do.
		p = f.b.get("/broadcasts/" + id + "/report")
		wantStatus(t, p, http.StatusOK)
		wantHas(t, p, `data-testid="bc-rate-delivery-value">100%<`, `data-testid="bc-failure" data-code="131026" data-status="failed" data-count="1"`,
			broadcast.Advice("131026")[:40])
		wantLacks(t, p, `data-testid="bc-retry"`)
		// Asked anyway, the retry says there is nothing to send again.
		p = f.b.post("/broadcasts/"+id+"/retry", nil)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=no-retry")
		if b := f.get(id); b.Status != broadcast.Completed || b.Counts.Failed != 1 {
			t.Fatalf("after retry: %s %+v", b.Status, b.Counts)
		}
	})
}

func TestBroadcastEscapesCustomerText(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newBroadcasts(t, d, nil)
		evil := f.people("vip", `<script>alert("contact")</script> Eve`)
		form := f.form(`<img src=x onerror=alert("name")>`)
		form.Set("tpl_body_1", `<b>{{contact.first_name}}</b>`)
		id := f.create(form)
		p := f.b.post("/broadcasts/"+id+"/start", nil)
		wantRedirect(t, p, "/broadcasts/"+id+"?done=started")
		f.waitStatus(id, broadcast.Completed)
		for _, path := range []string{"/broadcasts/" + id, "/broadcasts/" + id + "?rstatus=sent", "/broadcasts/" + id + "/report", "/broadcasts",
			"/broadcasts/" + id + "/recipients"} {
			p := f.b.get(path)
			wantStatus(t, p, http.StatusOK)
			wantLacks(t, p, "<script>alert", `<img src=x`, "<b>{{")
		}
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, "&lt;script&gt;alert(&#34;contact&#34;)&lt;/script&gt; Eve", `&lt;img src=x onerror=alert(&#34;name&#34;)&gt;`)
		if len(evil) != 1 {
			t.Fatal(evil)
		}
		// The preview fills the value with the contact's name, as text.
		q := url.Values{"channel_id": {f.wa.ID}, "template_id": {f.tpl.ID}, "sample_contact_id": {evil[0].ID}, "tpl_body_1": {"{{contact.name}}"}}
		p = f.b.htmx(http.MethodGet, "/broadcasts/form/preview?"+q.Encode(), "tpl-preview", nil)
		wantHas(t, p, "Hi &lt;script&gt;alert(&#34;contact&#34;)&lt;/script&gt; Eve, our spring sale")
		wantLacks(t, p, "<script>")
	})
}

func TestBroadcastAutoPauseResumeAndRetry(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		// WhatsApp reports deliveries only when told to (never here), and
		// the number sends one message a second, so the broadcast is still
		// running when the first message's failure is reported.
		f := newBroadcasts(t, d, func(c *emulator.Config) { c.Statuses = []string{"sent", "delivered"} })
		c := f.emu.Config()
		if _, err := f.e.s.Channels.Update(context.Background(), f.owner.WorkspaceID, f.wa.ID, nil, json.RawMessage(fmt.Sprintf(
			`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q,"rate_limit":1}`, c.PhoneNumberID, c.WABAID, f.emu.url)), nil); err != nil {
			t.Fatal(err)
		}
		f.people("vip", "Dora Reis", "Edu Melo")
		id := f.create(f.form("Spring sale"))
		p := f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-estimate-rate">1/s<`, `data-testid="bc-estimate-duration">about 5 s<`)
		wantRedirect(t, f.b.post("/broadcasts/"+id+"/start", nil), "/broadcasts/"+id+"?done=started")

		// WhatsApp says the first message failed: the number hit its spam
		// rate limit (131048). The broadcast pauses itself and says why.
		f.e.eventually("a message sent", func() bool { return len(f.emu.Sent()) > 0 })
		if err := f.emu.FailMessage(context.Background(), f.emu.Sent()[0].ID, emulator.Failure{Code: 131048, Title: "Spam rate limit hit", Details: "Spam rate limit hit"}); err != nil {
			t.Fatal(err)
		}
		b := f.waitStatus(id, broadcast.Paused)
		if b.Counts.Failed != 1 || b.Counts.Total != 5 {
			t.Fatalf("paused with %+v", b.Counts)
		}
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-status">Paused<`, `data-testid="bc-pause-reason"`, "Paused automatically after error 131048",
			"many recipients blocked or reported it", `data-testid="bc-resume"`, `data-testid="bc-retry"`, `data-testid="bc-cancel"`)
		wantLacks(t, p, `data-testid="bc-pause"`)

		// Resumed, it sends the rest and completes; the failure may pass
		// later, so "Retry failed" is offered, and sends to it again.
		wantRedirect(t, f.b.post("/broadcasts/"+id+"/resume", nil), "/broadcasts/"+id+"?done=resumed")
		b = f.waitStatus(id, broadcast.Completed)
		if b.Counts.Sent != 4 || b.Counts.Failed != 1 {
			t.Fatalf("completed with %+v", b.Counts)
		}
		p = f.b.get("/broadcasts/" + id + "/report")
		wantHas(t, p, `data-testid="bc-failure" data-code="131048" data-status="failed" data-count="1"`, html.EscapeString(broadcast.Advice("131048")),
			"Retry failed sends to them again.", `data-testid="bc-retry"`)
		p = f.b.get("/broadcasts/" + id)
		wantHas(t, p, `data-testid="bc-retry"`)
		wantRedirect(t, f.b.post("/broadcasts/"+id+"/retry", nil), "/broadcasts/"+id+"?done=retried")
		f.e.eventually("the failed recipient sent again", func() bool {
			b = f.get(id)
			return b.Status == broadcast.Completed && b.Counts.Sent == 5 && b.Counts.Failed == 0
		})
		if n := len(f.emu.Sent()); n != 6 {
			t.Fatalf("WhatsApp got %d messages, want 6 (5 and the retry)", n)
		}
	})
}
