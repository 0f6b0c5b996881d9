package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const profilePath = "/v23.0/" + testPhone + "/whatsapp_business_profile"

// resumableUpload runs both steps of the Resumable Upload API: startPath
// opens the session, which is then posted to under prefix ("/v23.0/" for
// Graph, "/360dialog/" for 360dialog). It returns the handle.
func resumableUpload(t *testing.T, f *fixture, startPath, prefix, auth string, data []byte, typ string) string {
	t.Helper()
	q := "?file_name=logo.png&file_length=" + strconv.Itoa(len(data)) + "&file_type=" + typ
	resp, body := f.do(t, "POST", startPath+q, auth, nil, "")
	var session struct{ ID string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &session) != nil || !strings.HasPrefix(session.ID, "upload:") {
		t.Fatalf("start upload: %d %s", resp.StatusCode, body)
	}
	sessionPath := prefix + session.ID
	req, _ := http.NewRequest("POST", f.srv.URL+sessionPath, bytes.NewReader(data))
	if isVersion(strings.Trim(prefix, "/")) {
		req.Header.Set("Authorization", "OAuth "+auth) // Meta's guide writes OAuth
	} else {
		req.Header.Set("D360-API-KEY", auth)
	}
	req.Header.Set("file_offset", "0")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	var h struct{ H string }
	if r.StatusCode != http.StatusOK || json.Unmarshal(b, &h) != nil || !strings.HasPrefix(h.H, "4::") {
		t.Fatalf("upload %s: %d %s", sessionPath, r.StatusCode, b)
	}
	return h.H
}

func TestBusinessProfileGraph(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Profile = BusinessProfile{About: "Hi there"} })
	resp, body := f.do(t, "GET", profilePath, testToken, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	sameJSON(t, body, `{"data":[{"messaging_product":"whatsapp","about":"Hi there","address":"","description":"","email":"",
		"profile_picture_url":"","websites":[],"vertical":"UNDEFINED"}]}`)

	png := []byte("\x89PNG\r\n\x1a\nlogo")
	handle := resumableUpload(t, f, "/v23.0/1234567890/uploads", "/v23.0/", testToken, png, "image/png")
	resp, body = f.postJSON(t, profilePath, testToken, map[string]any{
		"messaging_product": "whatsapp", "about": "Open 9–18", "address": "Rua A, 1", "description": "Bakery",
		"email": "hi@example.com", "vertical": "RESTAURANT", "websites": []string{"https://example.com"},
		"profile_picture_handle": handle,
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("update: %d %s", resp.StatusCode, body)
	}
	sameJSON(t, body, `{"success":true}`)
	resp, body = f.do(t, "GET", profilePath+"?fields=about,vertical,websites,profile_picture_url", testToken, nil, "")
	var got struct {
		Data []map[string]any `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil || len(got.Data) != 1 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	p := got.Data[0]
	if len(p) != 5 || p["about"] != "Open 9–18" || p["vertical"] != "RESTAURANT" || p["messaging_product"] != "whatsapp" {
		t.Fatalf("fields filter: %s", body)
	}
	pic, _ := p["profile_picture_url"].(string)
	r, err := http.Get(pic) // public, as Meta's CDN URLs are
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK || !bytes.Equal(b, png) || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("picture %s: %d %q", pic, r.StatusCode, b)
	}
	if e := f.emu.Profile(); e.Email != "hi@example.com" || len(e.Websites) != 1 || e.Description != "Bakery" {
		t.Fatalf("Profile() = %+v", e)
	}
}

func TestBusinessProfileValidation(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		name string
		body map[string]any
		code int
	}{
		{"no product", map[string]any{"about": "x"}, 131008},
		{"empty about", map[string]any{"messaging_product": "whatsapp", "about": ""}, 100},
		{"long about", map[string]any{"messaging_product": "whatsapp", "about": strings.Repeat("a", 140)}, 100},
		{"long description", map[string]any{"messaging_product": "whatsapp", "description": strings.Repeat("a", 513)}, 100},
		{"bad email", map[string]any{"messaging_product": "whatsapp", "email": "not an email"}, 100},
		{"bad vertical", map[string]any{"messaging_product": "whatsapp", "vertical": "BAKERY"}, 100},
		{"three websites", map[string]any{"messaging_product": "whatsapp", "websites": []string{"https://a", "https://b", "https://c"}}, 100},
		{"website scheme", map[string]any{"messaging_product": "whatsapp", "websites": []string{"example.com"}}, 100},
		{"unknown handle", map[string]any{"messaging_product": "whatsapp", "profile_picture_handle": "4::x:y"}, 100},
	}
	for _, c := range cases {
		resp, body := f.postJSON(t, profilePath, testToken, c.body)
		if resp.StatusCode != http.StatusBadRequest || errorCode(body) != c.code {
			t.Errorf("%s: %d %s, want 400 code %d", c.name, resp.StatusCode, body, c.code)
		}
	}
	if p := f.emu.Profile(); p.About != "" || p.Vertical != "" {
		t.Fatalf("a refused update changed the profile: %+v", p)
	}
}

func TestBusinessProfileAndUpload360(t *testing.T) {
	f := newFixture(t, nil)
	handle := resumableUpload(t, f, "/360dialog/uploads", "/360dialog/", testKey, []byte("\xff\xd8\xffjpeg"), "image/jpeg")
	resp, body := f.postJSON(t, "/360dialog/whatsapp_business_profile", testKey,
		map[string]any{"messaging_product": "whatsapp", "about": "Via 360", "profile_picture_handle": handle})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp, body = f.do(t, "GET", "/whatsapp_business_profile?fields=about", testKey, nil, "")
	sameJSON(t, body, `{"data":[{"messaging_product":"whatsapp","about":"Via 360"}]}`)
	if resp.StatusCode != http.StatusOK || !strings.Contains(f.emu.Profile().ProfilePictureURL, "/profile_picture/") {
		t.Fatalf("%d %+v", resp.StatusCode, f.emu.Profile())
	}
}

func TestResumableUploadChecks(t *testing.T) {
	f := newFixture(t, nil)
	for _, q := range []string{"?file_length=0&file_type=image/png", "?file_length=3&file_type=text/html", "?file_type=image/png"} {
		if resp, body := f.do(t, "POST", "/v23.0/app/uploads"+q, testToken, nil, ""); resp.StatusCode != http.StatusBadRequest || errorCode(body) != 100 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
	resp, body := f.do(t, "POST", "/v23.0/app/uploads?file_length=4&file_type=application/pdf", testToken, nil, "")
	var s struct{ ID string }
	_ = json.Unmarshal(body, &s)
	// Two chunks: the offset must be what arrived so far.
	post := func(offset string, data string) (int, string) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/v23.0/"+s.ID, strings.NewReader(data))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("file_offset", offset)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return r.StatusCode, string(b)
	}
	if code, b := post("0", "%P"); code != http.StatusOK || !strings.Contains(b, `"file_offset":2`) {
		t.Fatalf("first chunk: %d %s", code, b)
	}
	if code, b := post("0", "DF"); code != http.StatusBadRequest {
		t.Fatalf("wrong offset: %d %s", code, b)
	}
	if code, b := post("2", "DF"); code != http.StatusOK || !strings.Contains(b, `"h":"4::`) {
		t.Fatalf("last chunk: %d %s", code, b)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.StatusCode)
	}
	resp, body = f.do(t, "GET", "/v23.0/"+s.ID, testToken, nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"file_offset":4`) {
		t.Fatalf("resume status: %d %s", resp.StatusCode, body)
	}
}
