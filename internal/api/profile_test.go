package api

import (
	"bytes"
	"image"
	"image/jpeg"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"charla/internal/emulator"
)

// profileScenario reads and edits the number's business profile: every
// rule refuses before anything is sent, a valid change round-trips through
// the provider, a provider refusal changes nothing, and photos are checked,
// squared and uploaded.
func profileScenario(t *testing.T, e *env, w *waNumber) {
	cloud := "/channels/" + w.cloud.ID + "/profile"
	var p profileJSON
	e.expect(t, jsonCall("GET", cloud, e.ownerTok, nil), http.StatusOK, &p)
	if p.About != "Hey there! I am using WhatsApp." || p.Vertical == nil || *p.Vertical != "RETAIL" ||
		len(p.Websites) != 1 || p.ProfilePictureURL != nil || p.Limits.Description != 512 || p.Limits.About != 139 {
		t.Fatalf("cloud profile = %+v", p)
	}
	var d360 profileJSON
	e.expect(t, jsonCall("GET", "/channels/"+w.d360.ID+"/profile", e.ownerTok, nil), http.StatusOK, &d360)
	if d360.Vertical != nil || d360.Limits.Description != 256 || d360.Websites == nil {
		t.Errorf("360dialog profile = %+v", d360)
	}

	atProvider := w.meta.Profile()
	patch := func(path, body string) call { return raw("PATCH", path, e.ownerTok, "application/json", body) }
	cases := []struct {
		name, field string
		c           call
	}{
		{"about too long", "about", patch(cloud, `{"about":"`+strings.Repeat("a", 140)+`"}`).invalid()},
		{"about blank", "about", patch(cloud, `{"about":"  "}`).invalid()},
		{"address too long", "address", patch(cloud, `{"address":"`+strings.Repeat("a", 257)+`"}`).invalid()},
		{"description over the Cloud API's 512", "description", patch(cloud, `{"description":"`+strings.Repeat("d", 513)+`"}`).invalid()},
		{"description over 360dialog's 256", "description", patch("/channels/"+w.d360.ID+"/profile", `{"description":"`+strings.Repeat("d", 300)+`"}`)},
		{"email not an address", "email", patch(cloud, `{"email":"contato at loja"}`)},
		{"email too long", "email", patch(cloud, `{"email":"`+strings.Repeat("a", 120)+`@loja.example.com"}`).invalid()},
		{"unknown vertical", "vertical", patch(cloud, `{"vertical":"SPACESHIPS"}`).invalid()},
		{"vertical cleared", "vertical", patch(cloud, `{"vertical":""}`).invalid()},
		{"three websites", "websites", patch(cloud, `{"websites":["https://a.example","https://b.example","https://c.example"]}`).invalid()},
		{"website without a scheme", "websites[1]", patch(cloud, `{"websites":["https://a.example","loja.example.com"]}`).invalid()},
		{"unknown field", "picture", patch(cloud, `{"picture":"x"}`).invalid()},
		{"null websites", "websites", patch(cloud, `{"websites":null}`).invalid()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.expectError(t, c.c, http.StatusUnprocessableEntity, "validation_failed")
			wantFields(t, got, c.field)
		})
	}
	if now := w.meta.Profile(); !reflect.DeepEqual(now, atProvider) {
		t.Errorf("refused updates reached the provider: %+v → %+v", atProvider, now)
	}

	// A valid change round-trips: fields left out keep their values.
	e.expect(t, jsonCall("PATCH", cloud, e.ownerTok, map[string]any{
		"about": "Atendimento de seg. a sex., 9h–18h", "email": "contato@loja.example.com", "vertical": "APPAREL",
		"websites": []string{"https://loja.example.com", "https://blog.loja.example.com"},
	}), http.StatusOK, &p)
	want := emulator.BusinessProfile{About: "Atendimento de seg. a sex., 9h–18h", Email: "contato@loja.example.com",
		Vertical: "APPAREL", Websites: []string{"https://loja.example.com", "https://blog.loja.example.com"}}
	if got := w.meta.Profile(); !reflect.DeepEqual(got, want) {
		t.Errorf("the provider has %+v, want %+v", got, want)
	}
	if p.About != want.About || p.Email != want.Email || *p.Vertical != "APPAREL" || len(p.Websites) != 2 || p.Address != "" {
		t.Errorf("updated profile = %+v", p)
	}
	var same profileJSON
	e.expect(t, jsonCall("PATCH", cloud, e.ownerTok, map[string]any{}), http.StatusOK, &same)
	if same.SyncedAt != p.SyncedAt {
		t.Errorf("an empty update read the provider again: %s → %s", p.SyncedAt, same.SyncedAt)
	}

	// The provider refuses (here, a revoked token): its words and a plain
	// explanation, and nothing changes here.
	e.expect(t, jsonCall("PATCH", "/channels/"+w.cloud.ID, e.ownerTok, map[string]any{"secrets": map[string]any{"access_token": "EAAJB-revoked"}}),
		http.StatusOK, nil)
	refused := e.expectError(t, jsonCall("PATCH", cloud, e.ownerTok, map[string]any{"address": "Av. Paulista, 1000"}),
		http.StatusConflict, "conflict")
	if !strings.Contains(refused.Message, "error 190") || !strings.Contains(refused.Message, "reconnect the channel with a new token") {
		t.Errorf("provider refusal: %q", refused.Message)
	}
	e.expect(t, jsonCall("GET", cloud, e.ownerTok, nil), http.StatusOK, &same)
	if !reflect.DeepEqual(same, p) {
		t.Errorf("a refused update changed the profile: %+v → %+v", p, same)
	}
	e.expectError(t, jsonCall("POST", cloud+"/sync", e.ownerTok, nil), http.StatusConflict, "conflict")
	// So does a template sync, which the template list then reports.
	templates := "/channels/" + w.cloud.ID + "/templates"
	var before, after templatesJSON
	e.expect(t, jsonCall("GET", templates, e.agentTok, nil), http.StatusOK, &before)
	e.expectError(t, jsonCall("POST", templates+"/sync", e.ownerTok, nil), http.StatusConflict, "conflict")
	e.expect(t, jsonCall("GET", templates, e.agentTok, nil), http.StatusOK, &after)
	if after.LastSyncError == nil || !strings.Contains(*after.LastSyncError, "error 190") || after.SyncedAt == nil ||
		*after.SyncedAt != *before.SyncedAt || len(after.Data) != len(before.Data) {
		t.Errorf("after a refused sync: last_sync_error %v, synced_at %v (was %v)", after.LastSyncError, after.SyncedAt, before.SyncedAt)
	}
	e.expect(t, jsonCall("PATCH", "/channels/"+w.cloud.ID, e.ownerTok, map[string]any{"secrets": map[string]any{"access_token": emuAccessToken}}),
		http.StatusOK, nil)
	e.expect(t, jsonCall("POST", templates+"/sync", e.ownerTok, nil), http.StatusOK, nil)
	e.expect(t, jsonCall("GET", templates, e.agentTok, nil), http.StatusOK, &after)
	if after.LastSyncError != nil {
		t.Errorf("last_sync_error after a good sync = %v", *after.LastSyncError)
	}
	e.expect(t, jsonCall("POST", cloud+"/sync", e.ownerTok, nil), http.StatusOK, &same)
	if same.About != p.About || same.SyncedAt == p.SyncedAt {
		t.Errorf("synced profile = %+v", same)
	}

	photoScenario(t, e, w)

	// Owners and admins only; other workspaces and channels without a profile.
	for _, c := range []call{jsonCall("GET", cloud, e.agentTok, nil), jsonCall("POST", cloud+"/sync", e.agentTok, nil),
		jsonCall("PATCH", cloud, e.agentTok, map[string]any{"about": "Mine"})} {
		e.expectError(t, c, http.StatusForbidden, "forbidden")
	}
	e.expectError(t, jsonCall("GET", cloud, e.strangerTok, nil), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("PATCH", cloud, e.strangerTok, map[string]any{"about": "Mine"}), http.StatusNotFound, "not_found")
	e.expectError(t, jsonCall("GET", "/channels/"+w.site.ID+"/profile", e.ownerTok, nil), http.StatusConflict, "conflict")
}

// photoScenario uploads real photos (a form and a raw body) and things that
// are not photos.
func photoScenario(t *testing.T, e *env, w *waNumber) {
	path := "/channels/" + w.cloud.ID + "/profile/photo"
	put := func(c call) call { c.method = http.MethodPut; return c }
	var p profileJSON
	e.expect(t, put(multipartCall(path, e.ownerTok, part{name: "photo", filename: "logo.png", contentType: "image/png",
		data: pngImage(t, 800, 400)})), http.StatusOK, &p)
	pic := w.meta.Profile().ProfilePictureURL
	if p.ProfilePictureURL == nil || *p.ProfilePictureURL != pic || pic == "" {
		t.Fatalf("profile_picture_url = %v, the provider has %q", p.ProfilePictureURL, pic)
	}
	// WhatsApp shows a 640×640 JPEG.
	resp, err := http.Get(pic)
	if err != nil {
		t.Fatal(err)
	}
	shown, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(shown)); err != nil || cfg.Width != 640 || cfg.Height != 640 {
		t.Errorf("the provider shows %v (%v)", cfg, err)
	}

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 300, 500)), nil); err != nil {
		t.Fatal(err)
	}
	e.expect(t, call{method: http.MethodPut, path: path, token: e.ownerTok, contentType: "image/jpeg", body: buf.Bytes()}, http.StatusOK, &p)
	if next := w.meta.Profile().ProfilePictureURL; next == pic || p.ProfilePictureURL == nil || *p.ProfilePictureURL != next {
		t.Errorf("a second photo: %v, the provider has %q (was %q)", p.ProfilePictureURL, next, pic)
	}

	pic = w.meta.Profile().ProfilePictureURL
	bad := []struct {
		name   string
		c      call
		status int
		field  string
	}{
		{"text named like a PNG", call{method: http.MethodPut, path: path, token: e.ownerTok, contentType: "image/png", body: []byte("not a picture")},
			http.StatusUnprocessableEntity, "photo"},
		{"truncated JPEG", call{method: http.MethodPut, path: path, token: e.ownerTok, contentType: "image/jpeg", body: buf.Bytes()[:200]},
			http.StatusUnprocessableEntity, "photo"},
		{"PDF in the form", put(multipartCall(path, e.ownerTok, part{name: "photo", filename: "a.pdf", data: []byte("%PDF-1.4")})),
			http.StatusUnprocessableEntity, "photo"},
		{"form without the photo", put(multipartCall(path, e.ownerTok, part{name: "logo", filename: "a.png", data: pngImage(t, 4, 4)})).invalid(),
			http.StatusUnprocessableEntity, "logo"},
		{"over 10 MB", call{method: http.MethodPut, path: path, token: e.ownerTok, contentType: "image/png",
			body: append(pngImage(t, 4, 4), make([]byte, 10<<20)...)}, http.StatusRequestEntityTooLarge, ""},
		{"form cut short", cut(put(multipartCall(path, e.ownerTok, part{name: "photo", filename: "logo.png", data: pngImage(t, 64, 64)})), 40).silent(),
			http.StatusBadRequest, ""},
		{"text/plain", call{method: http.MethodPut, path: path, token: e.ownerTok, contentType: "text/plain", body: []byte("x")}.invalid(),
			http.StatusBadRequest, ""},
		{"agent", call{method: http.MethodPut, path: path, token: e.agentTok, contentType: "image/jpeg", body: buf.Bytes()},
			http.StatusForbidden, ""},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			var out errorBody
			e.expect(t, b.c, b.status, &out)
			if b.field != "" {
				wantFields(t, out.Error, b.field)
			}
		})
	}
	if now := w.meta.Profile().ProfilePictureURL; now != pic {
		t.Errorf("a refused photo reached the provider: %q → %q", pic, now)
	}
}

// cut drops the last n bytes of c's body, as a client that hangs up would.
func cut(c call, n int) call {
	c.body = c.body[:len(c.body)-n]
	return c
}
