package web

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestQRCodes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		f := newWhatsApp(t, d, nil)
		ctx := context.Background()
		path := "/settings/channels/" + f.wa.ID + "/qr"

		// A Cloud API number is known only once the connection was checked.
		p := f.b.get(path)
		wantStatus(t, p, http.StatusConflict)
		if !p.has(`data-testid="qr-error"`) || !p.has("Check connection") {
			t.Fatalf("before a check:\n%s", p.body)
		}
		if _, err := f.e.s.Channels.Check(ctx, f.owner.WorkspaceID, f.wa.ID); err != nil {
			t.Fatal(err)
		}
		p = f.b.get(path + "?" + url.Values{"text": {"Hi! I'd like to order"}}.Encode())
		wantStatus(t, p, http.StatusOK)
		link := "https://wa.me/15550783881?text=Hi%21%20I%27d%20like%20to%20order"
		for _, want := range []string{`data-testid="qr-link">` + link + "<", `data-testid="qr-form"`,
			`src="/settings/channels/` + f.wa.ID + `/qr.png?size=256&amp;text=Hi%21+I%27d+like+to+order"`,
			`data-testid="qr-download-256"`, `data-testid="qr-download-512"`, `data-testid="qr-download-1024"`} {
			if !p.has(want) {
				t.Errorf("QR page lacks %q", want)
			}
		}
		for _, size := range []int{256, 512, 1024} {
			res, body := f.b.getBytes(path + ".png?size=" + strconv.Itoa(size) + "&text=hello")
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" ||
				!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="charla-sales-whatsapp-qr-`) {
				t.Fatalf("size %d: %d %v", size, res.StatusCode, res.Header)
			}
			img, err := png.Decode(bytes.NewReader(body))
			if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
				t.Fatalf("size %d: decoded %v, %v", size, img.Bounds(), err)
			}
		}
		for _, bad := range []string{"300", "", "big"} {
			if res, _ := f.b.getBytes(path + ".png?size=" + bad); res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("size %q: %d, want 422", bad, res.StatusCode)
			}
		}
		p = f.b.get(path + "?text=" + strings.Repeat("x", 501))
		if p.StatusCode != http.StatusUnprocessableEntity || !p.has(`data-testid="error-text"`) {
			t.Errorf("a prefilled text too long: %d", p.StatusCode)
		}

		// The website channel's link is its chat page, with no prefill.
		site := f.e.website(f.owner)
		p = f.b.get("/settings/channels/" + site.ID + "/qr")
		if !p.has(`data-testid="qr-link">`+baseURL+"/demo/"+site.ID+"<") || p.has(`data-testid="qr-form"`) {
			t.Fatalf("website QR page:\n%s", p.body)
		}
		if p := f.b.get("/settings/channels/" + site.ID); !p.has(`data-testid="channel-tab-qr"`) || p.has(`data-testid="channel-tab-templates"`) {
			t.Errorf("a website channel offers its QR code, not templates")
		}
		if res, body := f.b.getBytes("/settings/channels/" + site.ID + "/qr.png?size=512"); res.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("website QR code: %d", res.StatusCode)
		}
		wantStatus(t, f.b.get("/settings/channels/"+site.ID+"/templates/new"), http.StatusNotFound)
	})
}
