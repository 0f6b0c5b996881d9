package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// people is a workspace whose contacts differ in every way the filter looks
// at, reached on two website channels:
//
//	Ana    site, wrote 1 h ago    vip, lead  plan=gold seats=12  created 2025-01-15
//	Bruno  shop, wrote 10 days ago lead      plan=silver seats=3 created 2025-02-20
//	Carla  no channel, never wrote vip       plan=gold           created 2024-03-10
//	Dani   site, wrote STOP 40 days ago                          created now, opted out
type people struct {
	e          *env
	d          *store.DB
	owner      auth.User
	site, shop channel.Channel
	b          *browser
	ids        map[string]string
	convs      map[string]string
}

func newPeople(t *testing.T, d *store.DB) *people {
	t.Helper()
	e := newEnv(t, d)
	owner := e.workspace("Acme", "olga@acme.test")
	p := &people{e: e, d: d, owner: owner, site: e.website(owner), ids: map[string]string{}, convs: map[string]string{}}
	shop, err := e.s.Channels.Create(context.Background(), owner.WorkspaceID, "website", "Shop chat", []byte(`{}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	p.shop = shop
	now := time.Now()
	p.write(p.site, "Ana", "Ana Souza", "Olá", now.Add(-time.Hour))
	p.write(p.shop, "Bruno", "Bruno", "Hi there", now.Add(-10*24*time.Hour))
	p.write(p.site, "Dani", "Dani", "Hello", now.Add(-40*24*time.Hour))
	p.write(p.site, "Dani", "Dani", "STOP", now.Add(-40*24*time.Hour))
	carla, err := e.s.Contacts.Create(context.Background(), owner.WorkspaceID, contacts.Input{Name: valuePtr("Carla")})
	if err != nil {
		t.Fatal(err)
	}
	p.ids["Carla"] = carla.ID
	p.set("Ana", contacts.Input{Email: valuePtr("ana@example.com"), Phone: valuePtr("+5511987654321"),
		Attributes: map[string]any{"plan": "gold", "seats": 12.0}}, "vip", "lead")
	p.set("Bruno", contacts.Input{Attributes: map[string]any{"plan": "silver", "seats": 3.0}}, "lead")
	p.set("Carla", contacts.Input{Attributes: map[string]any{"plan": "gold"}}, "vip")
	p.created("Ana", time.Date(2025, 1, 15, 10, 0, 0, 0, time.UTC))
	p.created("Bruno", time.Date(2025, 2, 20, 23, 30, 0, 0, time.UTC))
	p.created("Carla", time.Date(2024, 3, 10, 9, 0, 0, 0, time.UTC))
	p.b = e.browser()
	p.b.login("olga@acme.test")
	return p
}

func valuePtr[T any](v T) *T { return &v }

// write has a visitor send a message at a past time, through the inbox.
func (p *people) write(ch channel.Channel, key, name, text string, at time.Time) {
	p.e.t.Helper()
	got, err := p.e.s.Inbox.Receive(context.Background(), inbox.Inbound{Channel: ch,
		From: contacts.Who{ExternalID: "visitor-" + key, Name: name}, Body: text, At: at})
	if err != nil {
		p.e.t.Fatal(err)
	}
	p.ids[key], p.convs[key] = got.ContactID, got.ConversationID
}

func (p *people) set(key string, in contacts.Input, tags ...string) {
	p.e.t.Helper()
	ctx := context.Background()
	if _, err := p.e.s.Contacts.Update(ctx, p.owner.WorkspaceID, p.ids[key], in); err != nil {
		p.e.t.Fatal(err)
	}
	if len(tags) > 0 {
		if _, err := p.e.s.Contacts.AddTags(ctx, p.owner.WorkspaceID, p.ids[key], tags); err != nil {
			p.e.t.Fatal(err)
		}
	}
}

// created backdates a contact; nothing in charla sets this but the clock.
func (p *people) created(key string, at time.Time) {
	p.e.t.Helper()
	ctx := context.Background()
	err := p.d.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.X.ExecContext(ctx, "UPDATE contacts SET created_at = $1 WHERE id = $2", at, p.ids[key])
		return err
	})
	if err != nil {
		p.e.t.Fatal(err)
	}
}

// names turns row ids back into the fixture's names, sorted.
func (p *people) names(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		name := id
		for k, v := range p.ids {
			if v == id {
				name = k
			}
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

var (
	contactRowRE       = regexp.MustCompile(`data-testid="contact-row" data-id="([^"]+)"`)
	contactCountRE     = regexp.MustCompile(`data-testid="contact-count" data-count="([0-9]*)"`)
	contactsMoreRE     = regexp.MustCompile(`data-testid="contacts-load-more"`)
	contactsMoreHrefRE = regexp.MustCompile(`href="(/contacts\?[^"]+)"[^>]*data-testid="contacts-load-more"`)
	contactBadgeRE     = regexp.MustCompile(`data-testid="contact-row" data-id="([^"]+)"(?s:.*?)data-testid="row-(opted-out|subscribed)"`)
)

func contactRowIDs(p page) []string {
	var out []string
	for _, m := range contactRowRE.FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

// contactCount is the live count shown, -1 when none is (invalid conditions).
func contactCount(t *testing.T, p page) int {
	t.Helper()
	m := contactCountRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no count in:\n%s", p.body)
	}
	if m[1] == "" {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// results asks for the count and rows as the builder does while edited.
func (p *people) results(q url.Values) page {
	p.e.t.Helper()
	q.Set("f", "1")
	res := p.b.htmx(http.MethodGet, "/contacts?"+q.Encode(), "contact-results", nil)
	wantStatus(p.e.t, res, http.StatusOK)
	return res
}

func TestContactsListAndSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		res := p.b.get("/contacts")
		wantStatus(t, res, http.StatusOK)
		if got := p.names(contactRowIDs(res)); !slices.Equal(got, []string{"Ana", "Bruno", "Carla", "Dani"}) || contactCount(t, res) != 4 {
			t.Fatalf("list shows %v (count %d)", got, contactCount(t, res))
		}
		for _, want := range []string{`data-testid="nav-contacts"`, `class="current" data-testid="nav-contacts"`,
			`href="/contacts/` + p.ids["Ana"] + `"`, "ana@example.com", "+5511987654321", `data-testid="row-tag">vip<`,
			`data-testid="row-channel">Acme site<`, `data-testid="row-channel">Shop chat<`, `data-testid="row-activity"`,
			`data-testid="segment-form"`, `data-testid="segment-save"`, `data-testid="segments-empty"`} {
			if !res.has(want) {
				t.Errorf("list lacks %s", want)
			}
		}
		// Newest first, by id (creation order, whatever created_at was backdated to).
		if ids := contactRowIDs(res); ids[0] != p.ids["Carla"] || ids[3] != p.ids["Ana"] {
			t.Errorf("rows not newest first: %v", p.names(ids))
		}
		badges := map[string]string{}
		for _, m := range contactBadgeRE.FindAllStringSubmatch(res.body, -1) {
			badges[m[1]] = m[2]
		}
		if badges[p.ids["Dani"]] != "opted-out" || badges[p.ids["Ana"]] != "subscribed" || len(badges) != 4 {
			t.Errorf("subscription badges %v", badges)
		}

		for q, want := range map[string][]string{"souza": {"Ana"}, "EXAMPLE.com": {"Ana"}, "98765": {"Ana"}, "a": {"Ana", "Carla", "Dani"}, "nobody": {}} {
			res := p.results(url.Values{"q": {q}})
			if got := p.names(contactRowIDs(res)); !slices.Equal(got, want) || contactCount(t, res) != len(want) {
				t.Errorf("search %q: %v (count %d), want %v", q, got, contactCount(t, res), want)
			}
			if res.has("<html") {
				t.Errorf("search answered a whole page")
			}
			if got := res.Header.Get("HX-Replace-Url"); got != "/contacts?f=1&q="+url.QueryEscape(q) {
				t.Errorf("search %q: address %q", q, got)
			}
		}
		if res := p.results(url.Values{"q": {"nobody"}}); !res.has(`data-testid="contacts-empty"`) {
			t.Errorf("no empty state:\n%s", res.body)
		}
		// The address bar's URL opens the same list.
		if res := p.b.get("/contacts?f=1&q=souza"); p.names(contactRowIDs(res))[0] != "Ana" || len(contactRowIDs(res)) != 1 || !res.has(`value="souza"`) {
			t.Errorf("shared search URL:\n%s", res.body)
		}

		// Signed out: to the login page.
		if res := p.e.browser().get("/contacts"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestContactsFilterConditions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		cases := []struct {
			name string
			q    url.Values
			want []string
		}{
			{"no condition", url.Values{}, []string{"Ana", "Bruno", "Carla", "Dani"}},
			{"any tag", url.Values{"tags_mode": {"any"}, "tags": {"VIP"}}, []string{"Ana", "Carla"}},
			{"any of two tags", url.Values{"tags_mode": {"any"}, "tags": {"vip, lead"}}, []string{"Ana", "Bruno", "Carla"}},
			{"all tags", url.Values{"tags_mode": {"all"}, "tags": {"vip, lead"}}, []string{"Ana"}},
			{"no tag", url.Values{"tags_mode": {"none"}, "tags": {"vip"}}, []string{"Bruno", "Dani"}},
			{"attribute is", url.Values{"attr_key": {"plan"}, "attr_op": {"eq"}, "attr_value": {"GOLD"}}, []string{"Ana", "Carla"}},
			{"attribute is not", url.Values{"attr_key": {"plan"}, "attr_op": {"neq"}, "attr_value": {"gold"}}, []string{"Bruno", "Dani"}},
			{"attribute contains", url.Values{"attr_key": {"plan"}, "attr_op": {"contains"}, "attr_value": {"ilv"}}, []string{"Bruno"}},
			{"attribute greater", url.Values{"attr_key": {"seats"}, "attr_op": {"gt"}, "attr_value": {"5"}}, []string{"Ana"}},
			{"attribute less", url.Values{"attr_key": {"seats"}, "attr_op": {"lt"}, "attr_value": {"5"}}, []string{"Bruno"}},
			{"attribute set", url.Values{"attr_key": {"plan"}, "attr_op": {"exists"}, "attr_value": {""}}, []string{"Ana", "Bruno", "Carla"}},
			// The builder hides the value of "is set"; a stale one doesn't count.
			{"attribute not set", url.Values{"attr_key": {"plan"}, "attr_op": {"not_exists"}, "attr_value": {"gold"}}, []string{"Dani"}},
			{"two attributes", url.Values{"attr_key": {"plan", "seats"}, "attr_op": {"eq", "lt"}, "attr_value": {"gold", "20"}}, []string{"Ana"}},
			{"channel", url.Values{"channel": {p.shop.ID}}, []string{"Bruno"}},
			{"other channel", url.Values{"channel": {p.site.ID}}, []string{"Ana", "Dani"}},
			{"wrote within hours", url.Values{"inbound_mode": {"within"}, "inbound_n": {"24"}, "inbound_unit": {"h"}}, []string{"Ana"}},
			{"wrote within days", url.Values{"inbound_mode": {"within"}, "inbound_n": {"15"}, "inbound_unit": {"d"}}, []string{"Ana", "Bruno"}},
			{"quiet for days", url.Values{"inbound_mode": {"older_than"}, "inbound_n": {"30"}, "inbound_unit": {"d"}}, []string{"Dani"}},
			{"quiet for hours", url.Values{"inbound_mode": {"older_than"}, "inbound_n": {"2"}, "inbound_unit": {"h"}}, []string{"Bruno", "Dani"}},
			{"never wrote", url.Values{"inbound_mode": {"never"}, "inbound_n": {""}, "inbound_unit": {"d"}}, []string{"Carla"}},
			{"created in January", url.Values{"created_from": {"2025-01-01"}, "created_to": {"2025-01-31"}}, []string{"Ana"}},
			// The last day counts whole: Bruno was created at 23:30 on it.
			{"created up to a day", url.Values{"created_from": {"2024-01-01"}, "created_to": {"2025-02-20"}}, []string{"Ana", "Bruno", "Carla"}},
			{"created since", url.Values{"created_from": {"2025-02-21"}, "created_to": {""}}, []string{"Dani"}},
			{"created until", url.Values{"created_from": {""}, "created_to": {"2024-12-31"}}, []string{"Carla"}},
			{"subscribed", url.Values{"subscribed": {"yes"}}, []string{"Ana", "Bruno", "Carla"}},
			{"opted out", url.Values{"subscribed": {"no"}}, []string{"Dani"}},
			{"all together", url.Values{"q": {"a"}, "tags_mode": {"any"}, "tags": {"vip"}, "attr_key": {"plan"}, "attr_op": {"eq"},
				"attr_value": {"gold"}, "channel": {p.site.ID}, "inbound_mode": {"within"}, "inbound_n": {"1"}, "inbound_unit": {"d"},
				"created_from": {"2025-01-01"}, "created_to": {"2025-12-31"}, "subscribed": {"yes"}}, []string{"Ana"}},
		}
		for _, c := range cases {
			res := p.results(c.q)
			got := p.names(contactRowIDs(res))
			if !slices.Equal(got, c.want) || contactCount(t, res) != len(c.want) {
				t.Errorf("%s: rows %v, count %d; want %v", c.name, got, contactCount(t, res), c.want)
			}
			if res.has(`class="field-error"`) {
				t.Errorf("%s: errors shown:\n%s", c.name, res.body)
			}
			// The same state opens as a page from the address the builder puts in the bar.
			full := p.b.get(res.Header.Get("HX-Replace-Url"))
			if got := p.names(contactRowIDs(full)); !slices.Equal(got, c.want) {
				t.Errorf("%s: reloaded %q shows %v", c.name, res.Header.Get("HX-Replace-Url"), got)
			}
		}
	})
}

func TestContactsBuilderAddsRemovesAndExplains(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		work := func(q url.Values) page {
			t.Helper()
			q.Set("f", "1")
			res := p.b.htmx(http.MethodGet, "/contacts?"+q.Encode(), "contacts-work", nil)
			wantStatus(t, res, http.StatusOK)
			return res
		}
		// A condition just added is blank: shown, but not applied yet.
		res := work(url.Values{"add": {"tags"}})
		if !res.has(`data-testid="cond-tags"`) || !res.has(`data-testid="cond-incomplete"`) || contactCount(t, res) != 4 || res.has(`data-testid="add-tags"`) {
			t.Fatalf("added tags condition:\n%s", res.body)
		}
		if got := res.Header.Get("HX-Replace-Url"); strings.Contains(got, "add=") || !strings.Contains(got, "tags_mode=any") {
			t.Errorf("address after adding: %q", got)
		}
		for what, n := range map[string]int{"attr": 4, "channel": 4, "inbound": 4, "created": 4, "subscribed": 3} {
			// A select without a blank choice applies at once: subscribed contacts.
			if res := work(url.Values{"add": {what}}); !res.has(`data-testid="cond-`+what+`"`) || contactCount(t, res) != n {
				t.Errorf("adding %s:\n%s", what, res.body)
			}
		}
		// The channel select offers the workspace's channels.
		if res := work(url.Values{"add": {"channel"}}); !res.has(`value="`+p.site.ID+`"`) || !res.has(">Shop chat<") {
			t.Errorf("channel options:\n%s", res.body)
		}
		// Removing a row of two keeps the other.
		res = work(url.Values{"attr_key": {"plan", "seats"}, "attr_op": {"eq", "gt"}, "attr_value": {"silver", "5"}, "remove": {"attr-0"}})
		if strings.Count(res.body, `data-testid="cond-attr"`) != 1 || !res.has(`value="seats"`) || res.has(`value="plan"`) || p.names(contactRowIDs(res))[0] != "Ana" {
			t.Errorf("after removing the first attribute:\n%s", res.body)
		}
		res = work(url.Values{"tags_mode": {"any"}, "tags": {"vip"}, "remove": {"tags"}})
		if res.has(`data-testid="cond-tags"`) || contactCount(t, res) != 4 || !res.has(`data-testid="add-tags"`) {
			t.Errorf("after removing tags:\n%s", res.body)
		}

		// A condition that can't be applied says why next to itself (out of
		// band, so the field being typed in keeps the focus), and no count.
		res = p.results(url.Values{"attr_key": {"plan"}, "attr_op": {"gt"}, "attr_value": {""}})
		if contactCount(t, res) != -1 || len(contactRowIDs(res)) != 0 || !res.has(`id="cond-note-attr-0"`) || !res.has(`hx-swap-oob="true"`) ||
			!res.has(`data-testid="error-attributes[0].value"`) || !res.has("Give a value to compare with") {
			t.Errorf("invalid attribute:\n%s", res.body)
		}
		// Errors name the builder's row, even when a blank row before it is left out.
		res = p.results(url.Values{"attr_key": {"", "Bad Key!"}, "attr_op": {"eq", "eq"}, "attr_value": {"", "x"}})
		if !res.has(`data-testid="error-attributes[1].key"`) || res.has(`data-testid="error-attributes[0].key"`) || !res.has("Attribute must be lowercase") {
			t.Errorf("error of the second row:\n%s", res.body)
		}
		for name, q := range map[string]url.Values{
			"tags.mode":               {"tags_mode": {"some"}, "tags": {"vip"}},
			"tags.tags":               {"tags_mode": {"any"}, "tags": {strings.Repeat("x", 65)}},
			"last_inbound.within":     {"inbound_mode": {"within"}, "inbound_n": {"0"}, "inbound_unit": {"d"}},
			"last_inbound.older_than": {"inbound_mode": {"older_than"}, "inbound_n": {"5"}, "inbound_unit": {"y"}},
			"created_from":            {"created_from": {"31/01/2025"}, "created_to": {""}},
			"created_to":              {"created_from": {"2025-02-01"}, "created_to": {"2025-01-31"}},
			"query":                   {"q": {strings.Repeat("q", 256)}},
		} {
			res := p.results(q)
			if contactCount(t, res) != -1 || !res.has(`data-testid="error-`+name+`"`) {
				t.Errorf("%s: no error shown:\n%s", name, res.body)
			}
		}
		// A full page shows the problems in place too.
		if res := p.b.get("/contacts?f=1&created_from=2025-02-01&created_to=2025-01-01"); !res.has(`data-testid="error-created_to"`) || !res.has("End date must not be before the start date") {
			t.Errorf("page with a bad range:\n%s", res.body)
		}
	})
}

func TestContactsPagination(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		p := newPeople(t, d)
		ctx := context.Background()
		ws := p.owner.WorkspaceID
		var bulk []string
		for i := range 30 {
			c, err := p.e.s.Contacts.Create(ctx, ws, contacts.Input{Name: valuePtr(fmt.Sprintf("Bulk %02d", i)), Tags: []string{"bulk"}})
			if err != nil {
				t.Fatal(err)
			}
			bulk = append(bulk, c.ID)
		}
		// Opted out on both pages: the newest is on the first, the oldest on the second.
		optedOut := map[string]bool{bulk[29]: true, bulk[1]: true, bulk[0]: true}
		for id := range optedOut {
			if err := p.e.s.Contacts.Unsubscribe(ctx, ws, id, "", contacts.OptOutAPI); err != nil {
				t.Fatal(err)
			}
		}
		first := p.results(url.Values{"tags_mode": {"any"}, "tags": {"bulk"}})
		if n := len(contactRowIDs(first)); n != contactsPageSize || contactCount(t, first) != 30 {
			t.Fatalf("first page: %d rows, count %d", n, contactCount(t, first))
		}
		m := contactsMoreHrefRE.FindStringSubmatch(first.body)
		if m == nil {
			t.Fatalf("no next page link:\n%s", first.body)
		}
		next := strings.ReplaceAll(m[1], "&amp;", "&")
		second := p.b.htmx(http.MethodGet, next, "contacts-more", nil)
		wantStatus(t, second, http.StatusOK)
		if n := len(contactRowIDs(second)); n != 5 || contactsMoreRE.MatchString(second.body) || second.has("<table") {
			t.Fatalf("second page: %d rows, or more/table:\n%s", n, second.body)
		}
		all := append(contactRowIDs(first), contactRowIDs(second)...)
		want := slices.Clone(bulk)
		slices.Reverse(want)
		if !slices.Equal(all, want) {
			t.Fatalf("pages don't list every bulk contact once, newest first")
		}
		for _, res := range []page{first, second} {
			for _, m := range contactBadgeRE.FindAllStringSubmatch(res.body, -1) {
				if (m[2] == "opted-out") != optedOut[m[1]] {
					t.Errorf("contact %s shown %s", m[1], m[2])
				}
			}
		}
		// The link opens the second page without script too.
		if res := p.b.get(next); len(contactRowIDs(res)) != 5 || contactCount(t, res) != 30 {
			t.Errorf("second page as a page: %d rows", len(contactRowIDs(res)))
		}
	})
}
