package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"charla/internal/channel"
	"charla/internal/contacts"
	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// broadcastRate is the test number's pace: slow enough that a broadcast of
// a few dozen contacts is still running when the test pauses it.
const broadcastRate = 10

// newBroadcastNumber connects a Cloud API number to an emulator that has an
// approved template with one variable (promo) and a paused one, and syncs
// them through the API.
func newBroadcastNumber(t *testing.T, e *env) (*provider, channelJSON) {
	t.Helper()
	meta := emulate(t, func(c *emulator.Config) {
		c.Templates = []emulator.Template{
			{Name: "promo", Language: "en_US", Category: "MARKETING",
				Components: json.RawMessage(`[{"type":"BODY","text":"Hi {{1}}, our sale starts today","example":{"body_text":[["Ana"]]}}]`)},
			{Name: "old_promo", Language: "en_US", Category: "MARKETING", Status: "PAUSED",
				Components: json.RawMessage(`[{"type":"BODY","text":"Old sale"}]`)},
		}
	})
	mc := meta.Config()
	var wa channelJSON
	e.expect(t, jsonCall("POST", "/channels", e.ownerTok, map[string]any{
		"type": "whatsapp_cloud", "name": "WhatsApp Vendas",
		"settings": map[string]any{"phone_number_id": mc.PhoneNumberID, "waba_id": mc.WABAID, "graph_url": meta.url,
			"rate_limit": broadcastRate},
		"secrets": map[string]any{"access_token": emuAccessToken, "app_secret": emuAppSecret},
	}), http.StatusCreated, &wa)
	meta.SetCallback(wa.Setup[0].Value)
	e.expect(t, jsonCall("POST", "/channels/"+wa.ID+"/templates/sync", e.ownerTok, nil), http.StatusOK, nil)
	return meta, wa
}

// waitBroadcast polls the broadcast through the API until done holds: its
// recipients are sent by background jobs and its statuses come by webhook.
func (e *env) waitBroadcast(t *testing.T, id, what string, done func(broadcastJSON) bool) broadcastJSON {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var b broadcastJSON
		e.expect(t, jsonCall("GET", "/broadcasts/"+id, e.ownerTok, nil), http.StatusOK, &b)
		if done(b) {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("broadcast %s never got %s; last: %s %+v", id, what, b.Status, b.Counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recipientsOf lists every recipient of a broadcast by contact id.
func (e *env) recipientsOf(t *testing.T, id string) map[string]recipientJSON {
	t.Helper()
	var p list[recipientJSON]
	e.expect(t, jsonCall("GET", "/broadcasts/"+id+"/recipients?limit=100", e.ownerTok, nil), http.StatusOK, &p)
	out := map[string]recipientJSON{}
	for _, r := range p.Data {
		out[r.ContactID] = r
	}
	return out
}

func reached(status string) bool {
	return status == "sent" || status == "delivered" || status == "read"
}

func promoTemplate() map[string]any {
	return map[string]any{"name": "promo", "language": "en_US", "variables": map[string]any{"body": []string{"{{contact.first_name}}"}}}
}

// TestBroadcasts runs template broadcasts through the API against the
// emulated WhatsApp Cloud API, on each database: a segment audience from
// estimate to report, opted-out and unreachable contacts, a recipient
// missing a variable failing alone and retried once fixed, refusals of bad
// drafts and starts, every status transition, the messaging limit, roles,
// and another workspace seeing none of it.
func TestBroadcasts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		own := e.ownerTok
		meta, wa := newBroadcastNumber(t, e)

		// Five reachable people, one without a first name, one without a
		// phone and one who opted out, all tagged "sale".
		sale := []string{"sale"}
		var people []contactJSON
		for i, name := range []string{"Ana Lima", "Bruno Costa", "Carla Dias", "Davi Melo", "Elis Rocha"} {
			people = append(people, e.newContact(t, own, map[string]any{"name": name, "phone": fmt.Sprintf("+55119000000%02d", i+1), "tags": sale}))
		}
		nameless := e.newContact(t, own, map[string]any{"phone": "+5511900000006", "tags": sale})
		phoneless := e.newContact(t, own, map[string]any{"name": "Paulo Sem", "tags": sale})
		optedOut := e.newContact(t, own, map[string]any{"name": "Otto Fora", "phone": "+5511900000007", "tags": sale})
		e.expect(t, jsonCall("POST", "/contacts/"+optedOut.ID+"/unsubscribe", e.agentTok, map[string]any{"reason": "STOP"}), http.StatusOK, nil)
		e.newContact(t, e.strangerTok, map[string]any{"name": "Their Sale", "phone": "+5511900000001", "tags": sale})
		var sg segmentJSON
		e.expect(t, jsonCall("POST", "/segments", own, map[string]any{"name": "Sale", "filter": map[string]any{"tags": map[string]any{"tags": sale}}}),
			http.StatusCreated, &sg)
		audience := map[string]any{"segment_id": sg.ID}

		t.Run("estimate", func(t *testing.T) {
			var est estimateJSON
			e.expect(t, jsonCall("POST", "/broadcasts/estimate", e.agentTok, map[string]any{"channel_id": wa.ID, "audience": audience}),
				http.StatusOK, &est)
			if est.Recipients != 7 || est.Rate != "10/s" || est.DurationSeconds != 0.7 || !est.Fits || est.Limit != nil || est.Warning == nil {
				t.Errorf("estimate = %+v; want 7 (the opted-out contact left out) in 0.7 s, fitting an unknown limit, with a warning", est)
			}
		})

		var b broadcastJSON
		t.Run("create", func(t *testing.T) {
			body := map[string]any{"name": "Sale", "channel_id": wa.ID, "template": promoTemplate(), "audience": audience}
			e.expectError(t, jsonCall("POST", "/broadcasts", e.agentTok, body), 403, "forbidden")
			e.expect(t, jsonCall("POST", "/broadcasts", own, body), http.StatusCreated, &b)
			if b.Status != "draft" || b.Template == nil || b.Template.Name != "promo" || !slices.Equal(b.Template.Variables.Body, []string{"{{contact.first_name}}"}) ||
				b.Audience.SegmentID != sg.ID || b.Text != nil || b.CreatedBy == nil || *b.CreatedBy != e.owner.ID || b.Counts.Total != 0 {
				t.Fatalf("created = %+v", b)
			}
		})

		t.Run("bad drafts name the field and save nothing", func(t *testing.T) {
			theirSite := must(e.s.Channels.Create(t.Context(), e.stranger.WorkspaceID, "website", "Their site", nil, nil))(t)
			theirSegment := must(e.s.Contacts.CreateSegment(t.Context(), e.stranger.WorkspaceID, contacts.SegmentInput{Name: new("Theirs")}))(t)
			draft := func(mod func(map[string]any)) map[string]any {
				body := map[string]any{"name": "Bad", "channel_id": wa.ID, "template": promoTemplate(), "audience": audience}
				mod(body)
				return body
			}
			for _, tc := range []badCase{
				{"nothing", jsonCall("POST", "/broadcasts", own, map[string]any{}).invalid(), 422, "validation_failed",
					[]string{"name", "channel_id", "audience"}},
				{"text on WhatsApp", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) { delete(m, "template"); m["text"] = "Hi" })),
					422, "validation_failed", []string{"text: template"}},
				{"an agent's name", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["template"] = map[string]any{"name": "promo", "variables": map[string]any{"body": []string{"{{agent.name}}"}}}
				})), 422, "validation_failed", []string{"template.variables: no agent"}},
				{"in the past", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["scheduled_at"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
				})), 422, "validation_failed", []string{"scheduled_at: future"}},
				{"not a time", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) { m["scheduled_at"] = "tomorrow" })).invalid(),
					422, "validation_failed", []string{"scheduled_at"}},
				{"unknown zone", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) { m["time_zone"] = "Mars/Olympus" })),
					422, "validation_failed", []string{"time_zone"}},
				{"two audiences", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["audience"] = map[string]any{"segment_id": sg.ID, "contact_ids": contactIDs(people)}
				})).invalid(), 422, "validation_failed", []string{"audience"}},
				{"their segment", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["audience"] = map[string]any{"segment_id": theirSegment.ID}
				})), 422, "validation_failed", []string{"audience.segment_id"}},
				{"their channel", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) { m["channel_id"] = theirSite.ID })),
					422, "validation_failed", []string{"channel_id"}},
				{"malformed contact id", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["audience"] = map[string]any{"contact_ids": []string{"42"}}
				})).invalid(), 422, "validation_failed", []string{"audience.contact_ids"}},
				{"bad filter", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["audience"] = map[string]any{"filter": map[string]any{"tags": map[string]any{"mode": "most", "tags": sale}}}
				})).invalid(), 422, "validation_failed", []string{"audience.filter.tags.mode"}},
				{"unknown variable field", jsonCall("POST", "/broadcasts", own, draft(func(m map[string]any) {
					m["template"] = map[string]any{"name": "promo", "variables": map[string]any{"footer": []string{"x"}}}
				})).invalid(), 422, "validation_failed", []string{"template.variables.footer"}},
				{"estimate on their channel", jsonCall("POST", "/broadcasts/estimate", own, map[string]any{"channel_id": theirSite.ID, "audience": audience}),
					422, "validation_failed", []string{"channel_id"}},
				{"estimate of no audience", jsonCall("POST", "/broadcasts/estimate", own, map[string]any{"channel_id": wa.ID, "audience": map[string]any{}}).invalid(),
					422, "validation_failed", []string{"audience"}},
				{"change the channel", jsonCall("PATCH", "/broadcasts/"+b.ID, own, map[string]any{"channel_id": wa.ID}).invalid(),
					422, "validation_failed", []string{"channel_id"}},
				{"unknown status", jsonCall("GET", "/broadcasts?status=done", own, nil).invalid(), 400, "bad_request", []string{"status"}},
				{"unknown recipient status", jsonCall("GET", "/broadcasts/"+b.ID+"/recipients?status=lost", own, nil).invalid(),
					400, "bad_request", []string{"status"}},
				{"forged recipients cursor", jsonCall("GET", "/broadcasts/"+b.ID+"/recipients?cursor=x", own, nil), 400, "bad_request", []string{"cursor"}},
			} {
				t.Run(tc.name, func(t *testing.T) { checkBad(t, e, tc) })
			}
			var all list[broadcastJSON]
			e.expect(t, jsonCall("GET", "/broadcasts", own, nil), http.StatusOK, &all)
			if len(all.Data) != 1 {
				t.Errorf("%d broadcasts after refused drafts, want 1", len(all.Data))
			}
		})

		t.Run("a start is refused saying why", func(t *testing.T) {
			var paused, unknown broadcastJSON
			e.expect(t, jsonCall("POST", "/broadcasts", own, map[string]any{"name": "Old", "channel_id": wa.ID,
				"template": map[string]any{"name": "old_promo", "language": "en_US"}, "audience": audience}), http.StatusCreated, &paused)
			got := e.expectError(t, jsonCall("POST", "/broadcasts/"+paused.ID+"/start", own, nil), 422, "validation_failed")
			if !strings.Contains(got.Fields["template"], "paused by WhatsApp") {
				t.Errorf("starting with a paused template: %+v", got)
			}
			e.expect(t, jsonCall("POST", "/broadcasts", own, map[string]any{"name": "Unknown", "channel_id": wa.ID,
				"template": map[string]any{"name": "no_such_template"}, "audience": audience}), http.StatusCreated, &unknown)
			got = e.expectError(t, jsonCall("POST", "/broadcasts/"+unknown.ID+"/start", own, nil), 422, "validation_failed")
			if got.Fields["template"] == "" {
				t.Errorf("starting with an unknown template: %+v", got)
			}
			for _, id := range []string{paused.ID, unknown.ID} {
				var now broadcastJSON
				e.expect(t, jsonCall("GET", "/broadcasts/"+id, own, nil), http.StatusOK, &now)
				if now.Status != "draft" || now.StartedAt != nil {
					t.Errorf("a refused start changed the broadcast: %+v", now)
				}
				e.expect(t, jsonCall("DELETE", "/broadcasts/"+id, own, nil), http.StatusNoContent, nil)
			}
			if len(meta.Sent()) != 0 {
				t.Errorf("refused starts sent %d messages", len(meta.Sent()))
			}
		})

		t.Run("schedule", func(t *testing.T) { scheduleScenario(t, e, wa, audience) })

		t.Run("run to completion", func(t *testing.T) {
			e.expectError(t, jsonCall("POST", "/broadcasts/"+b.ID+"/start", e.agentTok, nil), 403, "forbidden")
			var started broadcastJSON
			e.expect(t, jsonCall("POST", "/broadcasts/"+b.ID+"/start", own, nil), http.StatusOK, &started)
			if started.Status != "running" || started.StartedAt == nil || started.Audience.Filter == nil || started.Audience.SegmentID != sg.ID {
				t.Fatalf("started = %+v; want running with the segment's filter kept", started)
			}
			e.expectError(t, jsonCall("POST", "/broadcasts/"+b.ID+"/start", own, nil), 409, "conflict")
			done := e.waitBroadcast(t, b.ID, "completed with every status", func(b broadcastJSON) bool {
				return b.Status == "completed" && b.Counts.Read == 5
			})
			if c := done.Counts; c.Total != 7 || c.Sent != 5 || c.Delivered != 5 || c.Failed != 1 || c.Skipped != 1 || !done.AudienceComplete ||
				done.FinishedAt == nil {
				t.Errorf("completed = %+v", done)
			}
			rs := e.recipientsOf(t, b.ID)
			for _, p := range people {
				if r := rs[p.ID]; !reached(r.Status) || r.MessageID == nil || r.Error != nil || r.QueuedAt == nil {
					t.Errorf("%s: %+v", p.Name, r)
				}
			}
			if r := rs[nameless.ID]; r.Status != "failed" || r.Error == nil || r.Error.Code != "variable" || r.Error.Reason == "" {
				t.Errorf("the contact without a first name: %+v; want failed alone, with the reason", r)
			}
			if r := rs[phoneless.ID]; r.Status != "skipped" || r.Error == nil || r.Error.Code != "no_address" {
				t.Errorf("the contact without a phone: %+v", r)
			}
			if _, ok := rs[optedOut.ID]; ok || len(rs) != 7 {
				t.Errorf("recipients %d, the opted-out contact among them: %v", len(rs), ok)
			}
			// Each reachable person got one message, with their own name.
			if meta.Duplicates() != 0 || len(meta.Sent()) != 5 {
				t.Errorf("the provider got %d messages (%d duplicates), want 5", len(meta.Sent()), meta.Duplicates())
			}
			for i, p := range people {
				first, _, _ := strings.Cut(p.Name, " ")
				m, ok := meta.sentTo(fmt.Sprintf("55119000000%02d", i+1))
				if !ok || m.Type != "template" || !bytes.Contains(m.Body, []byte(`"text":"`+first+`"`)) {
					t.Errorf("%s got %+v", p.Name, m)
				}
			}
		})

		t.Run("recipients, paged and filtered", func(t *testing.T) {
			var p1, p2, failed list[recipientJSON]
			e.expect(t, jsonCall("GET", "/broadcasts/"+b.ID+"/recipients?limit=4", e.agentTok, nil), http.StatusOK, &p1)
			if len(p1.Data) != 4 || p1.NextCursor == nil || p1.Data[0].Seq >= p1.Data[3].Seq {
				t.Fatalf("first page = %+v", p1)
			}
			e.expect(t, jsonCall("GET", "/broadcasts/"+b.ID+"/recipients?limit=4&cursor="+url.QueryEscape(*p1.NextCursor), e.agentTok, nil),
				http.StatusOK, &p2)
			if len(p2.Data) != 3 || p2.NextCursor != nil || p2.Data[0].Seq <= p1.Data[3].Seq {
				t.Errorf("second page = %+v", p2)
			}
			e.expect(t, jsonCall("GET", "/broadcasts/"+b.ID+"/recipients?status=failed", e.agentTok, nil), http.StatusOK, &failed)
			if len(failed.Data) != 1 || failed.Data[0].ContactID != nameless.ID {
				t.Errorf("failed recipients = %+v", failed.Data)
			}
		})

		t.Run("report", func(t *testing.T) {
			var rep reportJSON
			e.expect(t, jsonCall("GET", "/broadcasts/"+b.ID+"/report", e.agentTok, nil), http.StatusOK, &rep)
			if rep.DeliveryRate != 1 || rep.ReadRate != 1 || rep.ReplyRate != 0 || rep.Broadcast.ID != b.ID || len(rep.Failures) != 2 {
				t.Fatalf("report = %+v", rep)
			}
			byCode := map[string]failureJSON{}
			for _, f := range rep.Failures {
				byCode[f.Code] = f
			}
			if f := byCode["variable"]; f.Status != "failed" || f.Count != 1 || !f.Retryable || f.Advice == nil || f.Reason == "" {
				t.Errorf("missing variable: %+v", f)
			}
			if f := byCode["no_address"]; f.Status != "skipped" || f.Count != 1 || f.Retryable {
				t.Errorf("no phone: %+v", f)
			}
		})

		t.Run("retry failed once fixed", func(t *testing.T) {
			e.expectError(t, jsonCall("POST", "/broadcasts/"+b.ID+"/retry-failed", e.agentTok, nil), 403, "forbidden")
			e.expect(t, jsonCall("PATCH", "/contacts/"+nameless.ID, own, map[string]any{"name": "Nadia Nunes"}), http.StatusOK, nil)
			var res retryJSON
			e.expect(t, jsonCall("POST", "/broadcasts/"+b.ID+"/retry-failed", own, nil), http.StatusOK, &res)
			if res.Retried != 1 || res.Broadcast.ID != b.ID {
				t.Fatalf("retry = %+v; want the missing name retried, not the missing phone", res)
			}
			e.waitBroadcast(t, b.ID, "the retried recipient sent", func(b broadcastJSON) bool {
				return b.Status == "completed" && b.Counts.Sent == 6 && b.Counts.Failed == 0
			})
			if r := e.recipientsOf(t, b.ID)[nameless.ID]; !reached(r.Status) || r.Error != nil {
				t.Errorf("retried recipient = %+v", r)
			}
			if m, ok := meta.sentTo("5511900000006"); !ok || !bytes.Contains(m.Body, []byte(`"text":"Nadia"`)) {
				t.Errorf("the retried contact got %+v", m)
			}
		})

		t.Run("pause, resume and cancel", func(t *testing.T) { transitionsScenario(t, e, wa) })

		t.Run("messaging limit", func(t *testing.T) {
			if err := e.s.Channels.RecordNumber(t.Context(), wa.ID, channel.NumberInfo{MessagingLimit: "TIER_250", Limit: 3}); err != nil {
				t.Fatal(err)
			}
			var est estimateJSON
			e.expect(t, jsonCall("POST", "/broadcasts/estimate", own, map[string]any{"channel_id": wa.ID, "audience": audience}),
				http.StatusOK, &est)
			if est.Fits || est.Limit == nil || *est.Limit != 3 || est.LimitLeft == nil || *est.LimitLeft != 0 || est.Used < 6 || est.Warning == nil {
				t.Fatalf("estimate over the limit = %+v", est)
			}
			var over broadcastJSON
			e.expect(t, jsonCall("POST", "/broadcasts", own, map[string]any{"name": "Over", "channel_id": wa.ID,
				"template": promoTemplate(), "audience": audience}), http.StatusCreated, &over)
			got := e.expectError(t, jsonCall("POST", "/broadcasts/"+over.ID+"/start", own, nil), 422, "validation_failed")
			if !strings.Contains(got.Fields["audience"], "only 0 more") {
				t.Errorf("start over the limit: %+v", got)
			}
			wantFields(t, e.expectError(t, jsonCall("POST", "/broadcasts/"+over.ID+"/start?ignore_limit=maybe", own, nil).invalid(),
				400, "bad_request"), "ignore_limit")
			var started broadcastJSON
			e.expect(t, jsonCall("POST", "/broadcasts/"+over.ID+"/start?ignore_limit=true", own, nil), http.StatusOK, &started)
			if started.Status != "running" {
				t.Errorf("started accepting the warning: %+v", started)
			}
			e.expect(t, jsonCall("POST", "/broadcasts/"+over.ID+"/cancel", own, nil), http.StatusOK, nil)
		})

		t.Run("agents read", func(t *testing.T) {
			var l list[broadcastJSON]
			e.expect(t, jsonCall("GET", "/broadcasts?status=completed", e.agentTok, nil), http.StatusOK, &l)
			if len(l.Data) != 1 || l.Data[0].ID != b.ID {
				t.Errorf("completed broadcasts = %+v", l.Data)
			}
			var p1, p2 list[broadcastJSON]
			e.expect(t, jsonCall("GET", "/broadcasts?limit=1", e.agentTok, nil), http.StatusOK, &p1)
			if len(p1.Data) != 1 || p1.NextCursor == nil {
				t.Fatalf("first page = %+v", p1)
			}
			e.expect(t, jsonCall("GET", "/broadcasts?limit=1&cursor="+url.QueryEscape(*p1.NextCursor), e.agentTok, nil), http.StatusOK, &p2)
			if len(p2.Data) != 1 || p2.Data[0].ID >= p1.Data[0].ID {
				t.Errorf("second page = %+v after %+v; want older", p2.Data, p1.Data)
			}
			for _, c := range []call{
				jsonCall("PATCH", "/broadcasts/"+b.ID, e.agentTok, map[string]any{"name": "Mine"}),
				jsonCall("DELETE", "/broadcasts/"+b.ID, e.agentTok, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/pause", e.agentTok, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/resume", e.agentTok, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/cancel", e.agentTok, nil),
			} {
				e.expectError(t, c, 403, "forbidden")
			}
		})

		t.Run("other workspaces", func(t *testing.T) {
			them := e.strangerTok
			for _, c := range []call{
				jsonCall("GET", "/broadcasts/"+b.ID, them, nil),
				jsonCall("PATCH", "/broadcasts/"+b.ID, them, map[string]any{"name": "Mine"}),
				jsonCall("DELETE", "/broadcasts/"+b.ID, them, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/start", them, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/pause", them, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/resume", them, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/cancel", them, nil),
				jsonCall("POST", "/broadcasts/"+b.ID+"/retry-failed", them, nil),
				jsonCall("GET", "/broadcasts/"+b.ID+"/recipients", them, nil),
				jsonCall("GET", "/broadcasts/"+b.ID+"/report", them, nil),
				jsonCall("GET", "/broadcasts/42", own, nil).invalid(),
			} {
				e.expectError(t, c, 404, "not_found")
			}
			var l list[broadcastJSON]
			e.expect(t, jsonCall("GET", "/broadcasts", them, nil), http.StatusOK, &l)
			if len(l.Data) != 0 {
				t.Errorf("the other workspace lists %d broadcasts", len(l.Data))
			}
			var est estimateJSON
			e.expect(t, jsonCall("POST", "/broadcasts/estimate", own, map[string]any{"channel_id": wa.ID,
				"audience": map[string]any{"filter": map[string]any{"tags": map[string]any{"tags": sale}}}}), http.StatusOK, &est)
			if est.Recipients != 7 {
				t.Errorf("a filter audience counts %d, want our 7 (not their contact, not the opted-out one)", est.Recipients)
			}
		})
	})
}

// checkBad runs one bad request, wanting its status, code and exactly its
// fields, each "field: text" also wanting text in the field's message.
func checkBad(t *testing.T, e *env, tc badCase) {
	t.Helper()
	got := e.expectError(t, tc.c, tc.status, tc.code)
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

// sentTo is the last message the provider accepted for waID.
func (p *provider) sentTo(waID string) (emulator.SentMessage, bool) {
	var out emulator.SentMessage
	found := false
	for _, m := range p.Sent() {
		if m.WaID == waID {
			out, found = m, true
		}
	}
	return out, found
}

// scheduleScenario schedules a broadcast, refuses a time in the past,
// unschedules it back to a draft, and cancels a scheduled one.
func scheduleScenario(t *testing.T, e *env, wa channelJSON, audience map[string]any) {
	own := e.ownerTok
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var b broadcastJSON
	e.expect(t, jsonCall("POST", "/broadcasts", own, map[string]any{"name": "Later", "channel_id": wa.ID, "template": promoTemplate(),
		"audience": audience, "scheduled_at": at.Format(time.RFC3339), "time_zone": "America/Sao_Paulo"}), http.StatusCreated, &b)
	path := "/broadcasts/" + b.ID
	e.expect(t, jsonCall("POST", path+"/start", own, nil), http.StatusOK, &b)
	if b.Status != "scheduled" || b.ScheduledAt == nil || !parseTime(t, *b.ScheduledAt).Equal(at) || b.TimeZone != "America/Sao_Paulo" || b.StartedAt != nil {
		t.Fatalf("scheduled = %+v", b)
	}
	checkBad(t, e, badCase{c: jsonCall("PATCH", path, own, map[string]any{"scheduled_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}),
		status: 422, code: "validation_failed", fields: []string{"scheduled_at: future"}})
	var changed broadcastJSON
	e.expect(t, jsonCall("PATCH", path, own, map[string]any{"name": "Later on"}), http.StatusOK, &changed)
	if changed.Status != "scheduled" || changed.Name != "Later on" || changed.Template == nil || changed.Audience.SegmentID == "" {
		t.Errorf("renamed = %+v; want the rest kept", changed)
	}
	e.expect(t, jsonCall("PATCH", path, own, map[string]any{"scheduled_at": nil}), http.StatusOK, &changed)
	if changed.Status != "draft" || changed.ScheduledAt != nil {
		t.Errorf("unscheduled = %+v; want a draft", changed)
	}
	e.expectError(t, jsonCall("POST", path+"/cancel", own, nil), 409, "conflict")
	e.expect(t, jsonCall("PATCH", path, own, map[string]any{"scheduled_at": at.Format(time.RFC3339)}), http.StatusOK, nil)
	e.expect(t, jsonCall("POST", path+"/start", own, nil), http.StatusOK, &b)
	e.expect(t, jsonCall("POST", path+"/cancel", own, nil), http.StatusOK, &b)
	if b.Status != "cancelled" || b.FinishedAt == nil {
		t.Errorf("cancelled = %+v", b)
	}
	e.expect(t, jsonCall("DELETE", path, own, nil), http.StatusNoContent, nil)
}

// transitionsScenario pauses, resumes and cancels a broadcast of 30
// contacts mid-run, refusing each transition its status does not allow.
func transitionsScenario(t *testing.T, e *env, wa channelJSON) {
	own := e.ownerTok
	ids := make([]string, 30)
	for i := range ids {
		name, number := fmt.Sprintf("Bulk%02d Person", i), fmt.Sprintf("+55119100000%02d", i)
		ids[i] = must(e.s.Contacts.Create(t.Context(), e.owner.WorkspaceID, contacts.Input{Name: &name, Phone: &number}))(t).ID
	}
	var b broadcastJSON
	e.expect(t, jsonCall("POST", "/broadcasts", own, map[string]any{"name": "Bulk", "channel_id": wa.ID, "template": promoTemplate(),
		"audience": map[string]any{"contact_ids": ids}}), http.StatusCreated, &b)
	if b.Audience.ContactCount == nil || *b.Audience.ContactCount != 30 {
		t.Fatalf("a list audience shows %v contacts, want 30", b.Audience.ContactCount)
	}
	path := "/broadcasts/" + b.ID
	step := func(action string, status int, want string) broadcastJSON {
		t.Helper()
		var got broadcastJSON
		if status != http.StatusOK {
			e.expectError(t, jsonCall("POST", path+"/"+action, own, nil), status, "conflict")
			return got
		}
		e.expect(t, jsonCall("POST", path+"/"+action, own, nil), status, &got)
		if got.Status != want {
			t.Fatalf("%s: status %s, want %s", action, got.Status, want)
		}
		return got
	}
	step("pause", 409, "")
	step("resume", 409, "")
	step("retry-failed", 409, "")
	// At 10 a second, 30 recipients take three seconds: paused after the
	// first few are sent, it is still running.
	step("start", 200, "running")
	step("resume", 409, "")
	e.waitBroadcast(t, b.ID, "a few sent", func(b broadcastJSON) bool { return b.Counts.Sent >= 3 })
	paused := step("pause", 200, "paused")
	step("pause", 409, "")
	step("start", 409, "")
	e.expectError(t, jsonCall("DELETE", path, own, nil), 409, "conflict")
	e.expectError(t, jsonCall("PATCH", path, own, map[string]any{"name": "Bulk 2"}), 409, "conflict")
	step("resume", 200, "running")
	e.waitBroadcast(t, b.ID, "more sent after resuming", func(b broadcastJSON) bool { return b.Counts.Sent > paused.Counts.Sent })
	step("pause", 200, "paused")
	step("cancel", 200, "cancelled")
	// A send already at the provider when it was cancelled still completes.
	cancelled := e.waitBroadcast(t, b.ID, "no recipient left in flight", func(b broadcastJSON) bool {
		return b.Counts.Pending+b.Counts.Queued+b.Counts.Held == 0
	})
	if c := cancelled.Counts; cancelled.Status != "cancelled" || c.Total != 30 || c.Cancelled == 0 || c.Sent+c.Cancelled+c.Failed != 30 ||
		cancelled.FinishedAt == nil {
		t.Errorf("cancelled = %+v", cancelled)
	}
	step("resume", 409, "")
	step("cancel", 409, "")
	step("retry-failed", 409, "")
	e.expect(t, jsonCall("DELETE", path, own, nil), http.StatusNoContent, nil)
	e.expectError(t, jsonCall("GET", path, own, nil), 404, "not_found")
}
