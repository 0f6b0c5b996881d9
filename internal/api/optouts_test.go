package api

import (
	"net/http"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

// TestOptOuts opts a contact out and back in through the API: an agent may
// record either wish, the first opt-out is kept, segments can tell opted-out
// contacts apart, and another workspace cannot see or change it.
func TestOptOuts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, unlimited)
		ana := e.newContact(t, e.ownerTok, map[string]any{"name": "Ana Lima", "phone": "+5511987654321"})
		e.newContact(t, e.ownerTok, map[string]any{"name": "Bia Souza"})
		path := "/contacts/" + ana.ID

		var sub subscriptionJSON
		e.expect(t, jsonCall("GET", path+"/subscription", e.agentTok, nil), http.StatusOK, &sub)
		if !sub.Subscribed || sub.OptOut != nil {
			t.Fatalf("a new contact: %+v, want subscribed", sub)
		}

		wantFields(t, e.expectError(t, jsonCall("POST", path+"/unsubscribe", e.agentTok,
			map[string]any{"reason": strings.Repeat("x", 501)}).invalid(), 422, "validation_failed"), "reason")
		e.expect(t, jsonCall("GET", path+"/subscription", e.agentTok, nil), http.StatusOK, &sub)
		if !sub.Subscribed {
			t.Fatal("a refused opt-out was recorded")
		}

		e.expect(t, jsonCall("POST", path+"/unsubscribe", e.agentTok, map[string]any{"reason": "asked by phone"}), http.StatusOK, &sub)
		if sub.Subscribed || sub.OptOut == nil || sub.OptOut.Reason != "asked by phone" || sub.OptOut.Source != "api" {
			t.Fatalf("after unsubscribing: %+v", sub)
		}
		first := *sub.OptOut
		e.expect(t, jsonCall("POST", path+"/unsubscribe", e.ownerTok, map[string]any{}), http.StatusOK, &sub)
		if sub.OptOut == nil || *sub.OptOut != first {
			t.Errorf("opting out again: %+v, want the first record %+v kept", sub.OptOut, first)
		}

		var n countJSON
		e.expect(t, jsonCall("POST", "/segments/count", e.ownerTok, map[string]any{"filter": map[string]any{"subscribed": false}}),
			http.StatusOK, &n)
		if n.Count != 1 {
			t.Errorf("opted-out contacts: %d, want 1", n.Count)
		}

		for _, c := range []call{
			jsonCall("GET", path+"/subscription", e.strangerTok, nil),
			jsonCall("POST", path+"/unsubscribe", e.strangerTok, map[string]any{}),
			jsonCall("POST", path+"/resubscribe", e.strangerTok, nil),
			jsonCall("POST", "/contacts/42/resubscribe", e.ownerTok, nil).invalid(),
		} {
			e.expectError(t, c, 404, "not_found")
		}
		e.expect(t, jsonCall("GET", path+"/subscription", e.ownerTok, nil), http.StatusOK, &sub)
		if sub.Subscribed {
			t.Fatal("another workspace re-subscribed the contact")
		}

		e.expect(t, jsonCall("POST", path+"/resubscribe", e.agentTok, nil), http.StatusOK, &sub)
		if !sub.Subscribed || sub.OptOut != nil {
			t.Fatalf("after re-subscribing: %+v", sub)
		}
		e.expect(t, jsonCall("POST", "/segments/count", e.ownerTok, map[string]any{"filter": map[string]any{"subscribed": true}}),
			http.StatusOK, &n)
		if n.Count != 2 {
			t.Errorf("subscribed contacts: %d, want 2", n.Count)
		}
	})
}
