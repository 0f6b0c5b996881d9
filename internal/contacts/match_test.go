package contacts_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"charla/internal/contacts"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/store/storetest"
)

// audience is a small, varied set of contacts in workspace w1, and one in w2
// that resembles them all, so that any leak across workspaces shows.
type audience struct {
	t   *testing.T
	d   *store.DB
	s   *contacts.Service
	ids map[string]string // name -> id
	now time.Time
}

type person struct {
	name, phone, email string
	tags               []string
	attrs              map[string]any
	created            time.Time
	channel            string // identity on this channel
	inbound            *time.Duration
	noInbound          bool // has a conversation, but never wrote
	optedOut           bool
}

func ago(d time.Duration) *time.Duration { return &d }

func day(m time.Month, d int) time.Time { return time.Date(2024, m, d, 9, 30, 0, 0, time.UTC) }

func newAudience(t *testing.T, d *store.DB) *audience {
	t.Helper()
	ctx := context.Background()
	a := &audience{t: t, d: d, s: contacts.New(d), ids: map[string]string{}, now: store.Now()}
	err := d.Tx(ctx, func(tx *store.Tx) error {
		for _, ws := range []string{"w1", "w2"} {
			if err := tx.Q.CreateWorkspace(ctx, db.CreateWorkspaceParams{ID: ws, Name: ws, CreatedAt: store.Now()}); err != nil {
				return err
			}
		}
		for _, ch := range [][2]string{{"chA", "w1"}, {"chB", "w1"}, {"chX", "w2"}} {
			if err := tx.Q.CreateChannel(ctx, db.CreateChannelParams{ID: ch[0], WorkspaceID: ch[1], Type: "website", Name: ch[0], Settings: "{}", CreatedAt: store.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []person{
		{name: "Ana", phone: "+5511987654321", email: "ana@example.com", tags: []string{"vip", "lead"},
			attrs:   map[string]any{"plan": "gold", "seats": 12.0, "city": "São Paulo", "signup": "2024-03-01", "active": true},
			created: day(1, 10), channel: "chA", inbound: ago(time.Hour)},
		{name: "Bo", tags: []string{"lead"}, attrs: map[string]any{"plan": "silver", "seats": 3.0, "signup": "2023-11-20", "active": false, "padded": " 8 "},
			created: day(2, 10), channel: "chB", inbound: ago(10 * 24 * time.Hour)},
		{name: "Carla", tags: []string{"vip"}, attrs: map[string]any{"plan": "Gold", "seats": 2.5, "city": "100% Lima"},
			created: day(3, 10), noInbound: true, optedOut: true},
		{name: "Dani Díaz", email: "dani@corp.io", attrs: map[string]any{}, created: day(4, 10)},
		{name: "Eve", tags: []string{"churned"}, attrs: map[string]any{"plan": "gold", "seats": "7", "note": "7 seats"},
			created: day(5, 10), channel: "chA", inbound: ago(40 * 24 * time.Hour), optedOut: true},
	} {
		a.add("w1", p)
	}
	a.add("w2", person{name: "Zed", phone: "+5511987654321", email: "ana@example.com", tags: []string{"vip", "lead", "churned"},
		attrs:   map[string]any{"plan": "gold", "seats": 12.0, "city": "São Paulo", "signup": "2024-03-01", "active": true},
		created: day(3, 10), channel: "chX", inbound: ago(time.Hour)})
	return a
}

// add creates p in ws with exactly the state the filters look at.
func (a *audience) add(ws string, p person) {
	a.t.Helper()
	ctx := context.Background()
	in := contacts.Input{Name: &p.name, Attributes: p.attrs, Tags: p.tags}
	if p.phone != "" {
		in.Phone = &p.phone
	}
	if p.email != "" {
		in.Email = &p.email
	}
	c, err := a.s.Create(ctx, ws, in)
	if err != nil {
		a.t.Fatal(err)
	}
	a.ids[p.name] = c.ID
	err = a.d.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.X.ExecContext(ctx, "UPDATE contacts SET created_at = $1 WHERE id = $2", p.created, c.ID); err != nil {
			return err
		}
		if p.channel != "" {
			if err := tx.Q.CreateIdentity(ctx, db.CreateIdentityParams{ID: uuid.NewString(), WorkspaceID: ws, ContactID: c.ID,
				ChannelID: p.channel, ExternalID: "ext-" + c.ID, CreatedAt: store.Now()}); err != nil {
				return err
			}
		}
		if p.inbound == nil && !p.noInbound {
			return nil
		}
		conv := uuid.NewString()
		channel := p.channel
		if channel == "" {
			channel = "chB"
		}
		if err := tx.Q.CreateConversation(ctx, db.CreateConversationParams{ID: conv, WorkspaceID: ws, ChannelID: channel, ContactID: c.ID, LastActivityAt: store.Now()}); err != nil {
			return err
		}
		if p.inbound != nil {
			// An older conversation too: the latest inbound over all of them counts.
			old := uuid.NewString()
			if err := tx.Q.CreateConversation(ctx, db.CreateConversationParams{ID: old, WorkspaceID: ws, ChannelID: channel, ContactID: c.ID, LastActivityAt: store.Now()}); err != nil {
				return err
			}
			for id, at := range map[string]time.Time{conv: a.now.Add(-*p.inbound), old: a.now.Add(-*p.inbound - 300*24*time.Hour)} {
				if _, err := tx.X.ExecContext(ctx, "UPDATE conversations SET last_inbound_at = $1 WHERE id = $2", at, id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		a.t.Fatal(err)
	}
	if p.optedOut {
		if err := a.s.Unsubscribe(ctx, ws, c.ID, "", contacts.OptOutKeyword); err != nil {
			a.t.Fatal(err)
		}
	}
}

// names runs f every way it can be asked (Count, Match, ListFiltered) and
// returns the matching names after checking the three agree.
func (a *audience) names(f contacts.Filter) []string {
	a.t.Helper()
	ctx := context.Background()
	byID := map[string]string{}
	for n, id := range a.ids {
		byID[id] = n
	}
	rs, err := a.s.Match(ctx, "w1", f, "", 100)
	if err != nil {
		a.t.Fatalf("match: %v", err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, byID[r.ContactID])
	}
	slices.Sort(got)
	n, err := a.s.Count(ctx, "w1", f)
	if err != nil || n != len(got) {
		a.t.Fatalf("count %d (%v), match %v", n, err, got)
	}
	page, err := a.s.ListFiltered(ctx, "w1", f, "", 100)
	if err != nil {
		a.t.Fatalf("list: %v", err)
	}
	var listed []string
	for _, c := range page.Contacts {
		listed = append(listed, c.Name)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, got) {
		a.t.Fatalf("list %v, match %v", listed, got)
	}
	return got
}

func TestFilterConditions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		a := newAudience(t, d)
		yes, no := true, false
		attr := func(key, op, value string) contacts.Filter {
			return contacts.Filter{Attributes: []contacts.AttrCondition{{Key: key, Op: op, Value: value}}}
		}
		tags := func(mode string, tags ...string) contacts.Filter {
			return contacts.Filter{Tags: &contacts.TagCondition{Mode: mode, Tags: tags}}
		}
		from, to, dani := day(2, 1), day(4, 10), day(4, 10)
		all := []string{"Ana", "Bo", "Carla", "Dani Díaz", "Eve"}
		cases := []struct {
			name string
			f    contacts.Filter
			want []string
		}{
			{"no condition", contacts.Filter{}, all},
			{"tags any", tags("any", "vip", "churned"), []string{"Ana", "Carla", "Eve"}},
			{"tags default mode is any", tags("", "lead"), []string{"Ana", "Bo"}},
			{"tags all", tags("all", "vip", "lead"), []string{"Ana"}},
			{"tags all, any case, repeated", tags("all", "VIP", " vip "), []string{"Ana", "Carla"}},
			{"tags none", tags("none", "vip"), []string{"Bo", "Dani Díaz", "Eve"}},
			{"tags any unknown", tags("any", "nobody"), nil},
			{"attr eq ignores case", attr("plan", "eq", "GOLD"), []string{"Ana", "Carla", "Eve"}},
			{"attr neq includes missing", attr("plan", "neq", "gold"), []string{"Bo", "Dani Díaz"}},
			{"attr contains", attr("city", "contains", "PAULO"), []string{"Ana"}},
			{"attr contains is literal", attr("city", "contains", "100%"), []string{"Carla"}},
			{"attr contains wildcard finds nothing", attr("city", "contains", "_a"), nil},
			{"attr exists", attr("plan", "exists", ""), []string{"Ana", "Bo", "Carla", "Eve"}},
			{"attr not_exists", attr("plan", "not_exists", ""), []string{"Dani Díaz"}},
			{"attr gt numeric, numeric strings count", attr("seats", "gt", "5"), []string{"Ana", "Eve"}},
			{"attr gt is numeric, not text", attr("seats", "gt", "10"), []string{"Ana"}},
			{"attr gt is strict", attr("seats", "gt", "2.5"), []string{"Ana", "Bo", "Eve"}},
			{"attr lt numeric", attr("seats", "lt", "3"), []string{"Carla"}},
			{"attr lt decimal as typed", attr("seats", "lt", ".3e1"), []string{"Carla"}},
			{"attr numeric compare skips text", attr("note", "gt", "1"), nil},
			{"attr numeric string with spaces", attr("padded", "gt", "5"), []string{"Bo"}},
			{"attr booleans are not numbers", attr("active", "gt", "0"), nil},
			{"attr numeric compare on missing key", attr("nothing", "lt", "100"), nil},
			{"attr gt text orders dates", attr("signup", "gt", "2024-01-01"), []string{"Ana"}},
			{"attr lt text orders dates", attr("signup", "lt", "2024-01-01"), []string{"Bo"}},
			{"attr boolean true", attr("active", "eq", "true"), []string{"Ana"}},
			{"attr boolean false", attr("active", "eq", "false"), []string{"Bo"}},
			{"attr number as text", attr("seats", "eq", "2.5"), []string{"Carla"}},
			{"channel identity", contacts.Filter{Channel: "chA"}, []string{"Ana", "Eve"}},
			{"other channel", contacts.Filter{Channel: "chB"}, []string{"Bo"}},
			{"channel of another workspace", contacts.Filter{Channel: "chX"}, nil},
			{"inbound within 24h", contacts.Filter{LastInbound: &contacts.Age{Within: "24h"}}, []string{"Ana"}},
			{"inbound within 30d", contacts.Filter{LastInbound: &contacts.Age{Within: "30d"}}, []string{"Ana", "Bo"}},
			{"inbound older than 1w", contacts.Filter{LastInbound: &contacts.Age{OlderThan: "1w"}}, []string{"Bo", "Eve"}},
			{"inbound older than 30d", contacts.Filter{LastInbound: &contacts.Age{OlderThan: "30d"}}, []string{"Eve"}},
			{"never wrote", contacts.Filter{LastInbound: &contacts.Age{Never: true}}, []string{"Carla", "Dani Díaz"}},
			{"created between, to exclusive", contacts.Filter{CreatedFrom: &from, CreatedTo: &to}, []string{"Bo", "Carla"}},
			{"created from, inclusive", contacts.Filter{CreatedFrom: &dani}, []string{"Dani Díaz", "Eve"}},
			{"created to", contacts.Filter{CreatedTo: &from}, []string{"Ana"}},
			{"query name", contacts.Filter{Query: "CARL"}, []string{"Carla"}},
			{"query email", contacts.Filter{Query: "corp.io"}, []string{"Dani Díaz"}},
			{"query phone", contacts.Filter{Query: "98765"}, []string{"Ana"}},
			{"subscribed", contacts.Filter{Subscribed: &yes}, []string{"Ana", "Bo", "Dani Díaz"}},
			{"opted out", contacts.Filter{Subscribed: &no}, []string{"Carla", "Eve"}},
			{"AND across kinds", contacts.Filter{Tags: &contacts.TagCondition{Mode: "any", Tags: []string{"vip", "churned"}},
				Attributes: []contacts.AttrCondition{{Key: "plan", Op: "eq", Value: "gold"}}, Subscribed: &yes}, []string{"Ana"}},
			{"AND of attributes", contacts.Filter{Attributes: []contacts.AttrCondition{
				{Key: "plan", Op: "eq", Value: "gold"}, {Key: "seats", Op: "lt", Value: "10"}}}, []string{"Carla", "Eve"}},
			{"AND of everything", contacts.Filter{Tags: &contacts.TagCondition{Mode: "none", Tags: []string{"churned"}},
				Attributes: []contacts.AttrCondition{{Key: "city", Op: "exists"}}, Channel: "chA",
				LastInbound: &contacts.Age{Within: "1d"}, CreatedTo: &from, Query: "ana", Subscribed: &yes}, []string{"Ana"}},
			{"AND that nobody meets", contacts.Filter{Channel: "chB", Subscribed: &no}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a.t = t
				if got := a.names(c.f); !slices.Equal(got, c.want) {
					t.Errorf("got %v, want %v", got, c.want)
				}
			})
		}
	})
}

func TestMatchRefusesInvalidFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		a := newAudience(t, d)
		bad := contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "plan", Op: "like", Value: "x"}}}
		if _, err := a.s.Count(context.Background(), "w1", bad); err == nil {
			t.Error("count accepted an invalid filter")
		}
		if _, err := a.s.Match(context.Background(), "w1", bad, "", 10); err == nil {
			t.Error("match accepted an invalid filter")
		}
		if _, err := a.s.ListFiltered(context.Background(), "w1", bad, "", 10); err == nil {
			t.Error("list accepted an invalid filter")
		}
	})
}

func TestMatchPagesByIDWithoutGapsOrDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		a := newAudience(t, d)
		const bulk = 230
		want := map[string]bool{}
		err := d.Tx(ctx, func(tx *store.Tx) error {
			for i := range bulk + 1 {
				ws := "w1"
				if i == bulk {
					ws = "w2" // same tag elsewhere: never part of w1's pages
				}
				id, _ := uuid.NewV7()
				if err := tx.Q.CreateContact(ctx, db.CreateContactParams{ID: id.String(), WorkspaceID: ws, Name: fmt.Sprintf("bulk %d", i),
					Attributes: fmt.Sprintf(`{"n": %d}`, i), CreatedAt: store.Now()}); err != nil {
					return err
				}
				if err := tx.Q.AddContactTag(ctx, db.AddContactTagParams{ContactID: id.String(), WorkspaceID: ws, Tag: "bulk"}); err != nil {
					return err
				}
				if ws == "w1" {
					want[id.String()] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// One more, opted out: a broadcast's filter asks for subscribed contacts only.
		var out string
		for id := range want {
			out = id
			break
		}
		if err := a.s.Unsubscribe(ctx, "w1", out, "asked by phone", contacts.OptOutAgent); err != nil {
			t.Fatal(err)
		}
		delete(want, out)
		yes := true
		f := contacts.Filter{Tags: &contacts.TagCondition{Tags: []string{"bulk"}}, Subscribed: &yes}

		seen := map[string]bool{}
		after, pages := "", 0
		for {
			rs, err := a.s.Match(ctx, "w1", f, after, 100)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range rs {
				if seen[r.ContactID] || !want[r.ContactID] {
					t.Fatalf("page %d: %s is a duplicate or not in the audience", pages, r.ContactID)
				}
				if r.ContactID <= after {
					t.Fatalf("page %d: %s is not after the cursor %s", pages, r.ContactID, after)
				}
				if _, ok := r.Attributes["n"]; !ok {
					t.Fatalf("recipient without its attributes: %+v", r)
				}
				seen[r.ContactID] = true
				after = r.ContactID
			}
			if len(rs) < 100 {
				break
			}
		}
		if pages != 3 || len(seen) != len(want) {
			t.Fatalf("%d pages covered %d of %d recipients", pages, len(seen), len(want))
		}
		if n, err := a.s.Count(ctx, "w1", f); err != nil || n != len(want) {
			t.Fatalf("count %d %v, want %d", n, err, len(want))
		}

		// The contacts list walks the same audience newest first.
		listed := map[string]bool{}
		cursor := ""
		for range 10 {
			p, err := a.s.ListFiltered(ctx, "w1", f, cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Contacts {
				if listed[c.ID] || !want[c.ID] || len(c.Tags) != 1 || c.Tags[0] != "bulk" {
					t.Fatalf("listed %+v twice, wrongly, or without its tag", c)
				}
				listed[c.ID] = true
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if len(listed) != len(want) {
			t.Fatalf("list covered %d of %d", len(listed), len(want))
		}
	})
}
