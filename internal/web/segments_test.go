package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"charla/internal/auth"
	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

var segmentSavedRE = regexp.MustCompile(`^/contacts\?segment=([0-9a-f-]+)&done=segment-(created|updated)$`)

// saveSegment posts the builder's fields and a name as the save form does.
func (p *people) saveSegment(b *browser, path string, form url.Values) page {
	p.e.t.Helper()
	form.Set("f", "1")
	return b.htmx(http.MethodPost, path, "contacts-work", form)
}

func (p *people) segments() []contacts.Segment {
	p.e.t.Helper()
	list, err := p.e.s.Contacts.ListSegments(context.Background(), p.owner.WorkspaceID)
	if err != nil {
		p.e.t.Fatal(err)
	}
	return list
}

func TestSegmentsSaveApplyEditDelete(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		ctx := context.Background()

		// Save the builder's filter as a segment.
		res := p.saveSegment(p.b, "/segments", url.Values{"name": {"VIP buyers"}, "tags_mode": {"any"}, "tags": {"vip"},
			"inbound_mode": {"never"}, "inbound_n": {""}, "inbound_unit": {"d"}})
		wantStatus(t, res, http.StatusNoContent)
		m := segmentSavedRE.FindStringSubmatch(res.Header.Get("HX-Redirect"))
		if m == nil || m[2] != "created" {
			t.Fatalf("save answered %v", res.Header)
		}
		id := m[1]
		sg, err := p.e.s.Contacts.GetSegment(ctx, p.owner.WorkspaceID, id)
		if err != nil || sg.Name != "VIP buyers" || sg.Filter.Tags == nil || sg.Filter.Tags.Tags[0] != "vip" ||
			sg.Filter.LastInbound == nil || !sg.Filter.LastInbound.Never {
			t.Fatalf("saved %+v %v", sg, err)
		}

		// Applying it from its shareable URL fills the builder and filters the list.
		res = p.b.get(res.Header.Get("HX-Redirect"))
		wantStatus(t, res, http.StatusOK)
		if got := p.names(contactRowIDs(res)); !slices.Equal(got, []string{"Carla"}) || contactCount(t, res) != 1 {
			t.Fatalf("applied segment shows %v", got)
		}
		for _, want := range []string{`data-testid="contacts-title">VIP buyers<`, `data-testid="notice">Segment saved.<`,
			`data-testid="segment-link" data-id="` + id + `"`, `class="segment-link current"`, `name="segment" value="` + id + `"`,
			`name="tags" value="vip"`, `<option value="never" selected>`, `data-testid="segment-update"`, `data-testid="segment-delete"`,
			`hx-get="/segments/` + id + `/count"`} {
			if !res.has(want) {
				t.Errorf("applied segment page lacks %s", want)
			}
		}
		if res := p.b.get("/contacts?segment=" + id); res.has(`data-testid="notice"`) || contactCount(t, res) != 1 {
			t.Errorf("plain segment URL:\n%s", res.body)
		}
		// Its live count in the sidebar.
		if res := p.b.htmx(http.MethodGet, "/segments/"+id+"/count", "", nil); strings.TrimSpace(res.body) != "1" {
			t.Errorf("segment count %q", res.body)
		}
		// Editing conditions after applying keeps the segment in the address.
		res = p.results(url.Values{"segment": {id}, "tags_mode": {"any"}, "tags": {"vip"}})
		if contactCount(t, res) != 2 || !strings.Contains(res.Header.Get("HX-Replace-Url"), "segment="+id) {
			t.Errorf("edited segment: count %d, address %q", contactCount(t, res), res.Header.Get("HX-Replace-Url"))
		}

		// Rename and change its conditions.
		res = p.saveSegment(p.b, "/segments/"+id, url.Values{"segment": {id}, "name": {"VIP leads"}, "tags_mode": {"all"}, "tags": {"vip, lead"}})
		wantStatus(t, res, http.StatusNoContent)
		if m := segmentSavedRE.FindStringSubmatch(res.Header.Get("HX-Redirect")); m == nil || m[1] != id || m[2] != "updated" {
			t.Fatalf("update answered %v", res.Header)
		}
		sg, _ = p.e.s.Contacts.GetSegment(ctx, p.owner.WorkspaceID, id)
		if sg.Name != "VIP leads" || sg.Filter.Tags.Mode != contacts.TagsAll || sg.Filter.LastInbound != nil {
			t.Fatalf("updated %+v", sg)
		}
		if res := p.b.get("/contacts?segment=" + id); !slices.Equal(p.names(contactRowIDs(res)), []string{"Ana"}) || !res.has(">VIP leads<") {
			t.Errorf("after the edit:\n%s", res.body)
		}

		// Save a copy under another name while it is applied; the original stays.
		res = p.saveSegment(p.b, "/segments", url.Values{"segment": {id}, "name": {"Leads"}, "tags_mode": {"any"}, "tags": {"lead"}})
		wantStatus(t, res, http.StatusNoContent)
		if list := p.segments(); len(list) != 2 || list[0].Name != "Leads" || list[1].Name != "VIP leads" {
			t.Fatalf("segments %+v", list)
		}
		// A name already used is refused next to the name, nothing changes.
		res = p.saveSegment(p.b, "/segments/"+id, url.Values{"segment": {id}, "name": {"Leads"}, "tags_mode": {"any"}, "tags": {"x"}})
		wantStatus(t, res, http.StatusConflict)
		if !res.has(`data-testid="error-name"`) || !res.has(`value="Leads"`) || !res.has(`id="contacts-work"`) {
			t.Errorf("duplicate name:\n%s", res.body)
		}
		if sg, _ := p.e.s.Contacts.GetSegment(ctx, p.owner.WorkspaceID, id); sg.Name != "VIP leads" || sg.Filter.Tags.Tags[0] != "vip" {
			t.Errorf("a refused rename changed the segment: %+v", sg)
		}

		// Delete it.
		res = p.b.post("/segments/"+id+"/delete", url.Values{})
		wantRedirect(t, res, "/contacts?done=segment-deleted")
		if _, err := p.e.s.Contacts.GetSegment(ctx, p.owner.WorkspaceID, id); !problem.Is(err, problem.NotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if res := p.b.get("/contacts?done=segment-deleted"); !res.has("Segment deleted.") || res.has(">VIP leads<") {
			t.Errorf("list after delete:\n%s", res.body)
		}
		wantStatus(t, p.b.get("/contacts?segment="+id), http.StatusNotFound)
	})
}

func TestSegmentInvalidConditionsAreNotSaved(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		for name, c := range map[string]struct {
			form  url.Values
			field string
		}{
			"bad attribute key":   {url.Values{"name": {"Broken"}, "attr_key": {"Bad Key!"}, "attr_op": {"eq"}, "attr_value": {"x"}}, "attributes[0].key"},
			"missing value":       {url.Values{"name": {"Broken"}, "attr_key": {"plan"}, "attr_op": {"gt"}, "attr_value": {""}}, "attributes[0].value"},
			"unknown operator":    {url.Values{"name": {"Broken"}, "attr_key": {"plan"}, "attr_op": {"like"}, "attr_value": {"x"}}, "attributes[0].op"},
			"blank tags":          {url.Values{"name": {"Broken"}, "tags_mode": {"any"}, "tags": {" , "}}, "tags.tags"},
			"blank channel":       {url.Values{"name": {"Broken"}, "channel": {""}}, "channel_id"},
			"blank duration":      {url.Values{"name": {"Broken"}, "inbound_mode": {"within"}, "inbound_n": {""}, "inbound_unit": {"h"}}, "last_inbound.within"},
			"zero duration":       {url.Values{"name": {"Broken"}, "inbound_mode": {"within"}, "inbound_n": {"0"}, "inbound_unit": {"h"}}, "last_inbound.within"},
			"not a date":          {url.Values{"name": {"Broken"}, "created_from": {"yesterday"}, "created_to": {""}}, "created_from"},
			"backwards range":     {url.Values{"name": {"Broken"}, "created_from": {"2025-02-01"}, "created_to": {"2025-01-01"}}, "created_to"},
			"blank name":          {url.Values{"name": {"  "}, "tags_mode": {"any"}, "tags": {"vip"}}, "name"},
			"blank name and date": {url.Values{"name": {""}, "created_from": {"nope"}, "created_to": {""}}, "name"},
			"blank second row": {url.Values{"name": {"Broken"}, "attr_key": {"plan", ""}, "attr_op": {"exists", "eq"},
				"attr_value": {"", ""}}, "attributes[1].key"},
		} {
			res := p.saveSegment(p.b, "/segments", c.form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			if !res.has(`data-testid="error-`+c.field+`"`) || !res.has(`data-testid="form-error"`) || !res.has(`id="contacts-work"`) {
				t.Errorf("%s: no error by %s:\n%s", name, c.field, res.body)
			}
			if !res.has(`name="name" value="` + c.form.Get("name") + `"`) {
				t.Errorf("%s: the typed name is lost", name)
			}
			if n := len(p.segments()); n != 0 {
				t.Fatalf("%s: saved %d segments", name, n)
			}
		}
		// The same refusal when changing a segment.
		sg, err := p.e.s.Contacts.CreateSegment(context.Background(), p.owner.WorkspaceID, contacts.SegmentInput{Name: valuePtr("Gold"),
			Filter: &contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "eq", Value: "gold"}}}})
		if err != nil {
			t.Fatal(err)
		}
		res := p.saveSegment(p.b, "/segments/"+sg.ID, url.Values{"segment": {sg.ID}, "name": {"Gold!"}, "attr_key": {"plan"}, "attr_op": {"eq"}, "attr_value": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !res.has(`data-testid="error-attributes[0].value"`) || !res.has(`value="Gold!"`) {
			t.Errorf("refused update:\n%s", res.body)
		}
		if got, _ := p.e.s.Contacts.GetSegment(context.Background(), p.owner.WorkspaceID, sg.ID); got.Name != "Gold" || got.Filter.Attributes[0].Value != "gold" {
			t.Errorf("a refused update changed the segment: %+v", got)
		}
	})
}

func TestSegmentsRolesAndWorkspaces(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		ctx := context.Background()
		sg, err := p.e.s.Contacts.CreateSegment(ctx, p.owner.WorkspaceID, contacts.SegmentInput{Name: valuePtr("VIP"),
			Filter: &contacts.Filter{Tags: &contacts.TagCondition{Tags: []string{"vip"}}}})
		if err != nil {
			t.Fatal(err)
		}

		// Agents apply and count segments, but don't save, change or delete them.
		if _, err := p.e.s.Auth.CreateUser(ctx, p.owner, "andy@acme.test", "Andy", password, auth.Agent); err != nil {
			t.Fatal(err)
		}
		agent := p.e.browser()
		agent.login("andy@acme.test")
		res := agent.get("/contacts?segment=" + sg.ID)
		wantStatus(t, res, http.StatusOK)
		if contactCount(t, res) != 2 || res.has(`data-testid="segment-actions"`) || res.has(`data-testid="segment-delete"`) {
			t.Errorf("agent's view of a segment:\n%s", res.body)
		}
		if res := agent.htmx(http.MethodGet, "/segments/"+sg.ID+"/count", "", nil); strings.TrimSpace(res.body) != "2" {
			t.Errorf("agent's segment count %q", res.body)
		}
		wantStatus(t, p.saveSegment(agent, "/segments", url.Values{"name": {"Mine"}}), http.StatusForbidden)
		wantStatus(t, p.saveSegment(agent, "/segments/"+sg.ID, url.Values{"name": {"Mine"}}), http.StatusForbidden)
		wantStatus(t, agent.post("/segments/"+sg.ID+"/delete", url.Values{}), http.StatusForbidden)
		if list := p.segments(); len(list) != 1 || list[0].Name != "VIP" {
			t.Fatalf("an agent changed segments: %+v", list)
		}

		// A form sent from another site is refused.
		res = p.b.post("/segments", url.Values{"f": {"1"}, "name": {"Forged"}}, "Sec-Fetch-Site", "cross-site")
		wantStatus(t, res, http.StatusForbidden)
		if len(p.segments()) != 1 {
			t.Fatal("a cross-site form saved a segment")
		}

		// Another workspace sees neither the segment nor the contacts.
		p.e.workspace("Globex", "gus@globex.test")
		other := p.e.browser()
		other.login("gus@globex.test")
		for _, path := range []string{"/contacts?segment=" + sg.ID, "/segments/" + sg.ID + "/count", "/contacts/" + p.ids["Ana"]} {
			wantStatus(t, other.get(path), http.StatusNotFound)
		}
		wantStatus(t, p.saveSegment(other, "/segments/"+sg.ID, url.Values{"name": {"Mine"}, "tags_mode": {"any"}, "tags": {"x"}}), http.StatusNotFound)
		wantStatus(t, other.post("/segments/"+sg.ID+"/delete", url.Values{}), http.StatusNotFound)
		if list := p.segments(); len(list) != 1 || list[0].Name != "VIP" {
			t.Fatalf("another workspace changed the segment: %+v", list)
		}
		res = other.get("/contacts")
		if contactCount(t, res) != 0 || len(contactRowIDs(res)) != 0 || res.has("VIP") || res.has("Ana Souza") {
			t.Errorf("another workspace's list:\n%s", res.body)
		}
		// Its builder can't reach our contacts through our channel either.
		if res := other.htmx(http.MethodGet, "/contacts?f=1&channel="+p.site.ID, "contact-results", nil); contactCount(t, res) != 0 {
			t.Errorf("another workspace counted our channel's contacts: %d", contactCount(t, res))
		}
	})
}
