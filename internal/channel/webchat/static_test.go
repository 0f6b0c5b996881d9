package webchat_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestWidgetScript(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		r := e.do("GET", "/widget.js", nil)
		etag := r.header.Get("ETag")
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/javascript; charset=utf-8" || etag == "" ||
			r.header.Get("Cache-Control") != "public, max-age=300" || !strings.Contains(string(r.body), "charla web chat widget") {
			t.Fatalf("widget.js: %d %v", r.status, r.header)
		}
		if r := e.do("GET", "/widget.js", nil, "If-None-Match", etag); r.status != http.StatusNotModified || len(r.body) != 0 {
			t.Fatalf("revalidation: %d", r.status)
		}
	})
}

func TestDemoPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		r := e.do("GET", "/demo/"+e.site.ID, nil)
		page := string(r.body)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("demo: %d %v", r.status, r.header)
		}
		if strings.Contains(page, "<b>site</b>") || !strings.Contains(page, "Acme &lt;b&gt;site&lt;/b&gt;") {
			t.Fatalf("channel name not escaped:\n%s", page)
		}
		if !strings.Contains(page, `<script src="`+e.url+`/widget.js" data-channel="`+e.site.ID+`" async>`) {
			t.Fatalf("script tag missing:\n%s", page)
		}
	})
}

// Unknown, deleted and non-website channels all look the same: 404.
func TestUnknownChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		tok := e.visit(e.site.ID, nil)
		other, err := e.s.Channels.Create(ctx, e.owner.WorkspaceID, "other", "SMS", json.RawMessage(`{}`), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.s.Channels.Delete(ctx, e.owner.WorkspaceID, e.site.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{e.site.ID, other.ID, "no-such-channel"} {
			for _, req := range []struct{ method, path string }{
				{"GET", "/widget/" + id + "/config"}, {"POST", "/widget/" + id + "/session"},
				{"GET", "/widget/" + id + "/messages"}, {"OPTIONS", "/widget/" + id + "/config"}, {"GET", "/demo/" + id},
			} {
				r := e.do(req.method, req.path, nil, "Authorization", "Bearer "+tok, "Origin", shop)
				if b := decode[errorBody](t, r, http.StatusNotFound); b.Error.Code != "not_found" {
					t.Fatalf("%s %s: %s", req.method, req.path, r.body)
				}
			}
		}
	})
}
