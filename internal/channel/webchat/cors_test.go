package webchat_test

import (
	"net/http"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestCORS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		base := "/widget/" + e.site.ID

		r := e.do("OPTIONS", base+"/messages", nil, "Origin", shop, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type")
		if r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != shop ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Authorization") ||
			!strings.Contains(r.header.Get("Access-Control-Allow-Methods"), "POST") ||
			r.header.Get("Access-Control-Allow-Credentials") != "" || !strings.Contains(r.header.Get("Vary"), "Origin") {
			t.Fatalf("preflight: %d %v", r.status, r.header)
		}
		r = e.do("GET", base+"/config", nil, "Origin", "HTTPS://SHOP.TEST")
		if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != "HTTPS://SHOP.TEST" {
			t.Fatalf("allowed origin: %d %v", r.status, r.header)
		}
		// Without an Origin (server-side callers, <img>) there is nothing to check.
		if r := e.do("GET", base+"/config", nil); r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("no origin: %d %v", r.status, r.header)
		}

		for _, req := range []struct{ method, path string }{{"GET", "/config"}, {"POST", "/session"}, {"OPTIONS", "/session"}, {"GET", "/messages"}} {
			r := e.do(req.method, base+req.path, nil, "Origin", "https://evil.test")
			b := decode[errorBody](t, r, http.StatusForbidden)
			if b.Error.Code != "forbidden" || b.Error.Message != "this site is not allowed to use this chat widget" {
				t.Fatalf("%s %s from a foreign site: %s", req.method, req.path, r.body)
			}
		}

		if b := decode[errorBody](t, e.do("GET", base+"/nope", nil), http.StatusNotFound); b.Error.Code != "not_found" {
			t.Fatalf("unknown path: %+v", b)
		}
		if b := decode[errorBody](t, e.do("DELETE", base+"/messages", nil), http.StatusMethodNotAllowed); b.Error.Message == "" {
			t.Fatalf("wrong method: %+v", b)
		}

		// A channel without a list accepts any site.
		open := e.channel(`{}`)
		if r := e.do("GET", "/widget/"+open.ID+"/config", nil, "Origin", "https://anywhere.test"); r.status != http.StatusOK {
			t.Fatalf("open channel: %d", r.status)
		}
	})
}
