package broadcast_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"charla/internal/auth"
	"charla/internal/broadcast"
	"charla/internal/channel"
	"charla/internal/channel/wa"
	"charla/internal/config"
	"charla/internal/contacts"
	"charla/internal/core"
	"charla/internal/core/coretest"
	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/db"
	"charla/internal/templates"
)

const (
	appSecret   = "emulator-app-secret"
	accessToken = "emulator-access-token"
)

// promo is an approved template with one body variable.
var promo = emulator.Template{Name: "promo", Language: "en_US", Category: "MARKETING", Status: "APPROVED",
	Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, our sale starts today","example":{"body_text":[["Ana"]]}}]`)}

// env is charla with real services, jobs and database, WhatsApp webhooks
// served over HTTP, and the emulator standing in for Meta; provider can
// wrap the emulator's API to answer some sends differently.
type env struct {
	t     *testing.T
	s     *core.Services
	svc   *broadcast.Service
	emu   *emulator.Emulator
	owner auth.User
	ch    channel.Channel
}

type options struct {
	rate     float64 // the channel's rate_limit (0: the default)
	provider func(emu http.Handler) http.Handler
	emulator func(*emulator.Config)
}

func newEnv(t *testing.T, d *store.DB, o options) *env {
	t.Helper()
	e := &env{t: t}
	mux := chi.NewRouter()
	charla := httptest.NewServer(mux)
	t.Cleanup(charla.Close)
	cfg := emulator.Config{AppSecret: appSecret, AccessToken: accessToken, AutoStatuses: true,
		Templates: []emulator.Template{promo}, RetryMin: 20 * time.Millisecond, RetryMax: 200 * time.Millisecond}
	if o.emulator != nil {
		o.emulator(&cfg)
	}
	e.emu = emulator.New(cfg)
	t.Cleanup(func() { e.emu.Close() })
	var api http.Handler = e.emu.Mux()
	if o.provider != nil {
		api = o.provider(api)
	}
	emuSrv := httptest.NewServer(api)
	t.Cleanup(emuSrv.Close)
	waCfg := wa.Config{BaseURL: charla.URL}
	e.s = coretest.New(t, d, config.Config{BaseURL: charla.URL}, wa.Cloud(waCfg))
	e.svc = e.s.Broadcasts
	(&wa.Webhooks{Channels: e.s.Channels, Inbox: e.s.Inbox, Templates: e.s.Templates, Log: e.s.Log}).Routes(mux)
	ctx := context.Background()
	var err error
	if e.owner, err = e.s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	c := e.emu.Config()
	settings := fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q,"rate_limit":%g}`, c.PhoneNumberID, c.WABAID, emuSrv.URL, o.rate)
	e.ch, err = e.s.Channels.Create(ctx, e.owner.WorkspaceID, wa.CloudType, "WA", json.RawMessage(settings),
		map[string]string{"access_token": accessToken, "app_secret": appSecret})
	if err != nil {
		t.Fatal(err)
	}
	e.emu.SetCallback(charla.URL + "/webhooks/whatsapp/" + e.ch.ID)
	if _, err := e.s.Templates.Sync(ctx, e.owner.WorkspaceID, e.ch.ID); err != nil {
		t.Fatal(err)
	}
	return e
}

// contact creates a contact; an empty phone makes one the channel cannot reach.
func (e *env) contact(name, phone string) contacts.Contact {
	e.t.Helper()
	in := contacts.Input{Name: &name}
	if phone != "" {
		in.Phone = &phone
	}
	c, err := e.s.Contacts.Create(context.Background(), e.owner.WorkspaceID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// people creates n reachable contacts named "Personi Test" with numbers +5511900000000+i.
func (e *env) people(n int) []contacts.Contact {
	out := make([]contacts.Contact, n)
	for i := range out {
		out[i] = e.contact(fmt.Sprintf("Person%d Test", i), fmt.Sprintf("+55119%08d", i))
	}
	return out
}

func ids(cs []contacts.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// promoInput is a broadcast of promo, its variable mapped to the first name.
func (e *env) promoInput(a broadcast.Audience) broadcast.Input {
	return broadcast.Input{Name: "Sale", ChannelID: e.ch.ID, Audience: a,
		Template: &broadcast.Template{Name: "promo", Language: "en_US", Values: templates.Values{Body: []string{"{{contact.first_name}}"}}}}
}

func (e *env) create(in broadcast.Input) broadcast.Broadcast {
	e.t.Helper()
	b, err := e.svc.Create(context.Background(), e.owner, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) start(id string) broadcast.Broadcast {
	e.t.Helper()
	b, err := e.svc.Start(context.Background(), e.owner.WorkspaceID, id, broadcast.StartOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) get(id string) broadcast.Broadcast {
	e.t.Helper()
	b, err := e.svc.Get(context.Background(), e.owner.WorkspaceID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

// waitStatus waits for the broadcast to reach status.
func (e *env) waitStatus(id, status string) broadcast.Broadcast {
	e.t.Helper()
	var b broadcast.Broadcast
	coretest.Eventually(e.t, "broadcast "+status, func() bool {
		b = e.get(id)
		return b.Status == status
	})
	return b
}

// sendJobsDone waits until no send job is left to run: every message the
// pipeline was given has been sent, failed, held or dropped.
func (e *env) sendJobsDone() {
	e.t.Helper()
	coretest.Eventually(e.t, "send jobs to finish", func() bool {
		var n int
		err := e.s.DB.R.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'send_message'
			AND state IN ('available', 'running', 'scheduled', 'retryable', 'pending')`).Scan(&n)
		return err == nil && n == 0
	})
}

// received counts what the emulator accepted per charla message id, and
// the messages it accepted more than once.
func (e *env) received() (perMessage map[string]int, duplicates int) {
	perMessage = map[string]int{}
	for _, m := range e.emu.Sent() {
		perMessage[m.CallbackData]++
	}
	return perMessage, e.emu.Duplicates()
}

// recipients returns every recipient row of a broadcast by contact id.
func (e *env) recipients(id string) map[string]db.ListRecipientsRow {
	e.t.Helper()
	rows, err := e.s.DB.Q.ListRecipients(context.Background(), db.ListRecipientsParams{BroadcastID: id, Lim: 1_000_000})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]db.ListRecipientsRow{}
	for _, r := range rows {
		out[r.ContactID] = r
	}
	return out
}

func contactsInput(name *string) contacts.Input { return contacts.Input{Name: name} }

// refuse makes the provider answer sends to waID with a Graph error.
func refuse(waID string, code int, title string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages") && bytes.Contains(body, []byte(`"to":"`+waID+`"`)) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"error":{"message":"(#%d) %s","type":"OAuthException","code":%d,"error_data":{"messaging_product":"whatsapp","details":%q},"fbtrace_id":"Atest"}}`,
					code, title, code, title)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
