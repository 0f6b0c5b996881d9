package web

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"charla/internal/emulator"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

var verticalSelect = regexp.MustCompile(`(?s)<select name="vertical"[^>]*>(.*?)</select>`)

func TestBusinessProfilePage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		start := emulator.BusinessProfile{About: "Open 9 to 5", Address: "1 Main St", Description: "We sell <b>shoes</b>.",
			Email: "hi@shop.example", Vertical: "RETAIL", Websites: []string{"https://shop.example"}}
		f := newWhatsApp(t, d, func(c *emulator.Config) { c.Profile = start })
		path := "/settings/channels/" + f.wa.ID + "/profile"

		// The first visit reads the profile from WhatsApp.
		p := f.b.get(path)
		wantStatus(t, p, http.StatusOK)
		for _, want := range []string{`value="Open 9 to 5"`, `value="1 Main St"`, "We sell &lt;b&gt;shoes&lt;/b&gt;.",
			`value="hi@shop.example"`, `<option value="RETAIL" selected>`, `value="https://shop.example"`,
			`data-testid="profile-synced"`, `maxlength="512"`, `data-testid="profile-no-picture"`} {
			if !p.has(want) {
				t.Errorf("profile page lacks %q", want)
			}
		}
		// Once set, the industry can't be cleared: the form has no empty choice.
		if m := verticalSelect.FindStringSubmatch(p.body); m == nil || strings.Contains(m[1], `value=""`) {
			t.Errorf("vertical select offers an empty choice: %v", m)
		}

		// Mistakes are named by field, kept as typed, and nothing is sent.
		bad := url.Values{"about": {""}, "address": {"2 Side St"}, "description": {strings.Repeat("d", 513)},
			"email": {"not-an-email"}, "vertical": {""}, "website": {"https://ok.example", "ftp://files.example"}}
		p = f.b.post(path, bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		for _, want := range []string{`data-testid="error-about"`, `data-testid="error-description"`, `data-testid="error-email"`,
			`data-testid="error-vertical"`, "be cleared once set", `data-testid="error-websites[1]"`, "Website 2 must start with http",
			`value="2 Side St"`, `value="ftp://files.example"`} {
			if !p.has(want) {
				t.Errorf("invalid profile lacks %q", want)
			}
		}
		if got := f.emu.Profile(); !reflect.DeepEqual(got, start) {
			t.Fatalf("an invalid profile changed the provider's: %+v", got)
		}

		// The provider's refusal is shown word for word; nothing changes.
		f.emu.refuse(http.MethodPost, "/whatsapp_business_profile", "Param address is not allowed here.")
		good := url.Values{"about": {"Open late on Fridays"}, "address": {"2 Side St"}, "description": {"Shoes & boots"},
			"email": {"shop@shop.example"}, "vertical": {"APPAREL"}, "website": {"https://shop.example", "https://blog.shop.example"}}
		p = f.b.post(path, good)
		wantStatus(t, p, http.StatusBadRequest)
		if !p.has(`data-testid="profile-refused"`) || !p.has("Param address is not allowed here.") || !p.has(`value="Open late on Fridays"`) {
			t.Fatalf("refused profile:\n%s", p.body)
		}
		if p := f.b.get(path); !p.has(`value="Open 9 to 5"`) {
			t.Fatal("a refused change altered the stored profile")
		}
		f.emu.allow(http.MethodPost, "/whatsapp_business_profile")

		wantRedirect(t, f.b.post(path, good), path+"?done=profile-saved")
		got := f.emu.Profile()
		if got.About != "Open late on Fridays" || got.Vertical != "APPAREL" || len(got.Websites) != 2 || got.Email != "shop@shop.example" {
			t.Fatalf("the provider's profile: %+v", got)
		}
		if p := f.b.get(path + "?done=profile-saved"); !p.has(`value="Open late on Fridays"`) || !p.has("Profile saved at WhatsApp.") {
			t.Fatalf("saved profile:\n%s", p.body)
		}
		wantRedirect(t, f.b.post(path+"/sync", nil), path+"?done=profile-synced")

		// A photo must be an image; a good one becomes the profile picture.
		p = f.b.postMultipart(path+"/photo", part{name: "photo", filename: "me.png", mimeType: "image/png", data: []byte("%PDF-1.4 not an image")})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has(`data-testid="error-photo"`) || !p.has("Photo must be a JPEG or PNG image") {
			t.Fatalf("not an image:\n%s", p.body)
		}
		f.withAppID()
		wantRedirect(t, f.b.postMultipart(path+"/photo", part{name: "photo", filename: "me.png", mimeType: "image/png", data: pngImage(t, 900, 600)}),
			path+"?done=photo-saved")
		pic := f.emu.Profile().ProfilePictureURL
		if pic == "" {
			t.Fatal("the provider has no profile picture")
		}
		p = f.b.get(path)
		if !p.has(`src="`+pic+`"`) || !strings.Contains(p.Header.Get("Content-Security-Policy"), "img-src 'self' "+f.emu.url+" ") {
			t.Fatalf("the page shows the picture, allowed by its policy: %q\n%s", p.Header.Get("Content-Security-Policy"), p.body)
		}
	})
}

func TestBusinessProfileWithoutVertical(t *testing.T) {
	t.Parallel()
	f := newWhatsApp(t, storetest.Open(t, store.SQLite), func(c *emulator.Config) {
		c.Profile = emulator.BusinessProfile{About: "Hello"}
	})
	p := f.b.get("/settings/channels/" + f.wa.ID + "/profile")
	if m := verticalSelect.FindStringSubmatch(p.body); m == nil || !strings.Contains(m[1], `<option value="" selected>Choose an industry…`) {
		t.Fatalf("an unset industry is offered as unset:\n%s", p.body)
	}
	// A profile that can't be read says so, and offers a sync.
	f.emu.refuse(http.MethodGet, "/whatsapp_business_profile", "Unsupported get request.")
	p = f.b.post("/settings/channels/"+f.wa.ID+"/profile/sync", nil)
	wantStatus(t, p, http.StatusBadRequest)
	if !p.has(`data-testid="profile-refused"`) || !p.has("Unsupported get request.") {
		t.Fatalf("failed sync:\n%s", p.body)
	}
}
