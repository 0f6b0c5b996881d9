package api

import (
	"net/http"
	"net/url"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

// newContact creates a contact through the API as the token's user.
func (e *env) newContact(t *testing.T, token string, body map[string]any) contactJSON {
	t.Helper()
	var c contactJSON
	e.expect(t, jsonCall("POST", "/contacts", token, body), http.StatusCreated, &c)
	return c
}

func contactIDs(cs []contactJSON) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestSegments saves, counts, lists, changes and deletes segments through
// the API; refuses bad filters naming each condition; keeps agents to
// reading; and keeps each workspace's segments and contacts its own.
func TestSegments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		own := e.ownerTok
		ana := e.newContact(t, own, map[string]any{"name": "Ana Lima", "tags": []string{"vip"}, "attributes": map[string]any{"plan": "pro"}})
		bia := e.newContact(t, own, map[string]any{"name": "Bia Souza", "tags": []string{"vip"}, "attributes": map[string]any{"plan": "free"}})
		e.newContact(t, own, map[string]any{"name": "Caio Reis"})
		theirs := e.newContact(t, e.strangerTok, map[string]any{"name": "Their VIP", "tags": []string{"vip"}})
		vip := map[string]any{"tags": map[string]any{"tags": []string{"vip"}}}

		e.expectError(t, jsonCall("POST", "/segments", e.agentTok, map[string]any{"name": "Mine", "filter": vip}), 403, "forbidden")
		var sg segmentJSON
		e.expect(t, jsonCall("POST", "/segments", own, map[string]any{"name": "VIP", "filter": vip}), http.StatusCreated, &sg)
		if sg.Count == nil || *sg.Count != 2 || sg.Filter.Tags == nil || sg.Filter.Tags.Mode != "any" {
			t.Fatalf("created segment = %+v, want 2 VIPs and the default mode any", sg)
		}
		var everyone segmentJSON
		e.expect(t, jsonCall("POST", "/segments", own, map[string]any{"name": "Everyone"}), http.StatusCreated, &everyone)
		if *everyone.Count != 3 {
			t.Errorf("a segment without a filter counts %d, want every contact (3)", *everyone.Count)
		}
		var their segmentJSON
		e.expect(t, jsonCall("POST", "/segments", e.strangerTok, map[string]any{"name": "VIP", "filter": vip}), http.StatusCreated, &their)
		if *their.Count != 1 {
			t.Errorf("their VIP segment counts %d, want only their own contact", *their.Count)
		}

		t.Run("bad input names the field", func(t *testing.T) {
			for _, tc := range []badCase{
				{"no name", jsonCall("POST", "/segments", own, map[string]any{"filter": vip}).invalid(), 422, "validation_failed", []string{"name"}},
				{"name taken", jsonCall("POST", "/segments", own, map[string]any{"name": "VIP"}), 409, "conflict", []string{"name"}},
				{"unknown tag mode", jsonCall("POST", "/segments", own, map[string]any{"name": "X",
					"filter": map[string]any{"tags": map[string]any{"mode": "some", "tags": []string{"vip"}}}}).invalid(),
					422, "validation_failed", []string{"filter.tags.mode"}},
				{"bad attribute", jsonCall("POST", "/segments", own, map[string]any{"name": "X",
					"filter": map[string]any{"attributes": []any{map[string]any{"key": "plan", "op": "between", "value": "a"},
						map[string]any{"key": "Plan", "op": "eq", "value": "x"}}}}).invalid(),
					422, "validation_failed", []string{"filter.attributes[0].op", "filter.attributes[1].key"}},
				{"two ages", jsonCall("POST", "/segments", own, map[string]any{"name": "X",
					"filter": map[string]any{"last_inbound": map[string]any{"within": "7d", "older_than": "1d"}}}).invalid(),
					422, "validation_failed", []string{"filter.last_inbound"}},
				{"backwards dates", jsonCall("POST", "/segments", own, map[string]any{"name": "X",
					"filter": map[string]any{"created_from": "2025-03-02T00:00:00Z", "created_to": "2025-03-01T00:00:00Z"}}),
					422, "validation_failed", []string{"filter.created_to"}},
				{"not a date", jsonCall("POST", "/segments", own, map[string]any{"name": "X",
					"filter": map[string]any{"created_from": "yesterday"}}).invalid(), 422, "validation_failed", []string{"filter.created_from"}},
				{"unknown condition", jsonCall("POST", "/segments", own, map[string]any{"name": "X",
					"filter": map[string]any{"colour": "red"}}).invalid(), 422, "validation_failed", []string{"filter.colour"}},
				{"count without a filter", jsonCall("POST", "/segments/count", own, map[string]any{}).invalid(),
					422, "validation_failed", []string{"filter"}},
				{"rename to a taken name", jsonCall("PATCH", "/segments/"+everyone.ID, own, map[string]any{"name": "VIP"}),
					409, "conflict", []string{"name"}},
				{"forged cursor", jsonCall("GET", "/segments?cursor=%25", own, nil), 400, "bad_request", []string{"cursor"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantFields(t, e.expectError(t, tc.c, tc.status, tc.code), tc.fields...)
				})
			}
			var all list[segmentJSON]
			e.expect(t, jsonCall("GET", "/segments", own, nil), http.StatusOK, &all)
			if len(all.Data) != 2 {
				t.Errorf("%d segments after refused requests, want 2", len(all.Data))
			}
		})

		t.Run("live count of an unsaved filter", func(t *testing.T) {
			var n countJSON
			e.expect(t, jsonCall("POST", "/segments/count", e.agentTok, map[string]any{"filter": map[string]any{
				"tags":       map[string]any{"mode": "all", "tags": []string{"vip"}},
				"attributes": []any{map[string]any{"key": "plan", "op": "eq", "value": "PRO"}}}}), http.StatusOK, &n)
			if n.Count != 1 {
				t.Errorf("VIPs on the pro plan: %d, want 1 (Ana)", n.Count)
			}
			e.expect(t, jsonCall("POST", "/segments/count", e.strangerTok, map[string]any{"filter": map[string]any{}}), http.StatusOK, &n)
			if n.Count != 1 {
				t.Errorf("the other workspace counts %d contacts, want its own 1", n.Count)
			}
		})

		t.Run("read, paged and by id", func(t *testing.T) {
			var p1, p2 list[segmentJSON]
			e.expect(t, jsonCall("GET", "/segments?limit=1", e.agentTok, nil), http.StatusOK, &p1)
			if len(p1.Data) != 1 || p1.Data[0].Name != "Everyone" || p1.Data[0].Count != nil || p1.NextCursor == nil {
				t.Fatalf("first page = %+v", p1)
			}
			e.expect(t, jsonCall("GET", "/segments?limit=1&cursor="+url.QueryEscape(*p1.NextCursor), e.agentTok, nil), http.StatusOK, &p2)
			if len(p2.Data) != 1 || p2.Data[0].ID != sg.ID || p2.NextCursor != nil {
				t.Fatalf("second page = %+v", p2)
			}
			var got segmentJSON
			e.expect(t, jsonCall("GET", "/segments/"+sg.ID, e.agentTok, nil), http.StatusOK, &got)
			if got.Count == nil || *got.Count != 2 || got.Name != "VIP" {
				t.Errorf("segment = %+v", got)
			}
		})

		t.Run("its contacts", func(t *testing.T) {
			var p list[contactJSON]
			e.expect(t, jsonCall("GET", "/segments/"+sg.ID+"/contacts", e.agentTok, nil), http.StatusOK, &p)
			if ids := contactIDs(p.Data); len(ids) != 2 || ids[0] != bia.ID || ids[1] != ana.ID {
				t.Errorf("segment contacts = %v, want Bia then Ana (newest first)", ids)
			}
			e.expect(t, jsonCall("GET", "/segments/"+sg.ID+"/contacts?limit=1", own, nil), http.StatusOK, &p)
			if len(p.Data) != 1 || p.NextCursor == nil {
				t.Fatalf("first page = %+v", p)
			}
			e.expect(t, jsonCall("GET", "/segments/"+sg.ID+"/contacts?limit=1&cursor="+url.QueryEscape(*p.NextCursor), own, nil), http.StatusOK, &p)
			if len(p.Data) != 1 || p.Data[0].ID != ana.ID || p.NextCursor != nil {
				t.Errorf("second page = %+v", p)
			}
			e.expect(t, jsonCall("GET", "/contacts?segment_id="+sg.ID+"&q=ana", own, nil), http.StatusOK, &p)
			if ids := contactIDs(p.Data); len(ids) != 1 || ids[0] != ana.ID {
				t.Errorf("contacts of the segment matching ana = %v", ids)
			}
			wantFields(t, e.expectError(t, jsonCall("GET", "/contacts?segment_id="+their.ID, own, nil), 400, "bad_request"), "segment_id")
			var searching segmentJSON
			e.expect(t, jsonCall("POST", "/segments", own, map[string]any{"name": "Souzas", "filter": map[string]any{"query": "souza"}}),
				http.StatusCreated, &searching)
			e.expect(t, jsonCall("GET", "/contacts?segment_id="+searching.ID, own, nil), http.StatusOK, &p)
			if ids := contactIDs(p.Data); len(ids) != 1 || ids[0] != bia.ID {
				t.Errorf("contacts of a searching segment = %v", ids)
			}
			wantFields(t, e.expectError(t, jsonCall("GET", "/contacts?segment_id="+searching.ID+"&q=ana", own, nil), 400, "bad_request"), "q")
			e.expect(t, jsonCall("DELETE", "/segments/"+searching.ID, own, nil), http.StatusNoContent, nil)
			wantFields(t, e.expectError(t, jsonCall("GET", "/contacts?segment_id=7", own, nil).invalid(), 400, "bad_request"), "segment_id")
		})

		t.Run("change", func(t *testing.T) {
			var got segmentJSON
			e.expect(t, jsonCall("PATCH", "/segments/"+sg.ID, e.agentTok, map[string]any{"name": "Mine"}), 403, nil)
			e.expect(t, jsonCall("PATCH", "/segments/"+sg.ID, own, map[string]any{}), http.StatusOK, &got)
			if got.UpdatedAt != sg.UpdatedAt || got.Name != "VIP" {
				t.Errorf("an empty change: %+v, was %+v", got, sg)
			}
			e.expect(t, jsonCall("PATCH", "/segments/"+sg.ID, own, map[string]any{"name": "VIP free",
				"filter": map[string]any{"tags": map[string]any{"tags": []string{"vip"}},
					"attributes": []any{map[string]any{"key": "plan", "op": "neq", "value": "pro"}}}}), http.StatusOK, &got)
			if got.Name != "VIP free" || *got.Count != 1 || len(got.Filter.Attributes) != 1 {
				t.Errorf("changed segment = %+v, want Bia alone", got)
			}
			wantFields(t, e.expectError(t, jsonCall("PATCH", "/segments/"+sg.ID, own, map[string]any{
				"filter": map[string]any{"last_inbound": map[string]any{"within": "forever"}}}).invalid(), 422, "validation_failed"),
				"filter.last_inbound.within")
			e.expect(t, jsonCall("GET", "/segments/"+sg.ID, own, nil), http.StatusOK, &got)
			if got.Name != "VIP free" || len(got.Filter.Attributes) != 1 {
				t.Errorf("a refused change changed the segment: %+v", got)
			}
		})

		t.Run("other workspaces", func(t *testing.T) {
			for _, c := range []call{
				jsonCall("GET", "/segments/"+sg.ID, e.strangerTok, nil),
				jsonCall("PATCH", "/segments/"+sg.ID, e.strangerTok, map[string]any{"name": "Mine"}),
				jsonCall("DELETE", "/segments/"+sg.ID, e.strangerTok, nil),
				jsonCall("GET", "/segments/"+sg.ID+"/contacts", e.strangerTok, nil),
				jsonCall("GET", "/segments/42", own, nil).invalid(),
			} {
				e.expectError(t, c, 404, "not_found")
			}
			var p list[contactJSON]
			e.expect(t, jsonCall("GET", "/segments/"+their.ID+"/contacts", e.strangerTok, nil), http.StatusOK, &p)
			if ids := contactIDs(p.Data); len(ids) != 1 || ids[0] != theirs.ID {
				t.Errorf("their segment's contacts = %v", ids)
			}
			var l list[segmentJSON]
			e.expect(t, jsonCall("GET", "/segments", e.strangerTok, nil), http.StatusOK, &l)
			if len(l.Data) != 1 || l.Data[0].ID != their.ID {
				t.Errorf("their segments = %+v", l.Data)
			}
		})

		t.Run("delete", func(t *testing.T) {
			e.expectError(t, jsonCall("DELETE", "/segments/"+sg.ID, e.agentTok, nil), 403, "forbidden")
			e.expect(t, jsonCall("DELETE", "/segments/"+sg.ID, own, nil), http.StatusNoContent, nil)
			e.expectError(t, jsonCall("GET", "/segments/"+sg.ID, own, nil), 404, "not_found")
			e.expect(t, jsonCall("GET", "/contacts/"+ana.ID, own, nil), http.StatusOK, nil)
		})
	})
}
