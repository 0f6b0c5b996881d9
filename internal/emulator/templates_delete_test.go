package emulator

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestDialog360DeleteOneLanguage: hsm_id narrows a 360dialog delete to one
// template, as it does on Graph, so a client deleting one language does
// not lose the others.
func TestDialog360DeleteOneLanguage(t *testing.T) {
	f := newFixture(t, nil)
	var ids []string
	for _, lang := range []string{"en_US", "es"} {
		b := templateBody("promo")
		b["language"] = lang
		resp, body := f.postJSON(t, "/v1/configs/templates", testKey, b)
		var created struct{ ID string }
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &created) != nil {
			t.Fatalf("create %s: %d %s", lang, resp.StatusCode, body)
		}
		ids = append(ids, created.ID)
	}
	if resp, body := f.do(t, "DELETE", "/v1/configs/templates/promo?hsm_id="+ids[1], testKey, nil, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("delete: %d %s", resp.StatusCode, body)
	}
	if _, ok := f.emu.templateFor("promo", "es"); ok {
		t.Fatal("the es template survived its delete")
	}
	if _, ok := f.emu.templateFor("promo", "en_US"); !ok {
		t.Fatal("deleting the es template by id also deleted en_US")
	}
	if resp, _ := f.do(t, "DELETE", "/v1/configs/templates/promo?hsm_id="+ids[1], testKey, nil, ""); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("deleting it again: %d, want 400", resp.StatusCode)
	}
}
