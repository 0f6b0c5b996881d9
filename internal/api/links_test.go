package api

import (
	"bytes"
	"image"
	_ "image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// linksScenario gets each channel's chat link and its QR code at every size.
func linksScenario(t *testing.T, e *env, w *waNumber) {
	// 360dialog's number is in its settings; the text is prefilled.
	var link chatLinkJSON
	e.expect(t, jsonCall("GET", "/channels/"+w.d360.ID+"/link?text="+url.QueryEscape("Olá! Quero saber do pedido #4821"), e.ownerTok, nil),
		http.StatusOK, &link)
	u, err := url.Parse(link.URL)
	if err != nil || u.Scheme != "https" || u.Host != "wa.me" || u.Path != "/5511987650000" ||
		u.Query().Get("text") != "Olá! Quero saber do pedido #4821" || strings.Contains(link.URL, "+") {
		t.Errorf("360dialog link = %q", link.URL)
	}
	e.expect(t, jsonCall("GET", "/channels/"+w.d360.ID+"/link", e.ownerTok, nil), http.StatusOK, &link)
	if link.URL != "https://wa.me/5511987650000" {
		t.Errorf("link without text = %q", link.URL)
	}

	// The Cloud API's number is learned by a check.
	cloud := "/channels/" + w.cloud.ID
	e.expectError(t, jsonCall("GET", cloud+"/link", e.ownerTok, nil), http.StatusConflict, "conflict")
	e.expect(t, jsonCall("POST", cloud+"/check", e.ownerTok, nil), http.StatusOK, nil)
	e.expect(t, jsonCall("GET", cloud+"/link?text=Oi", e.ownerTok, nil), http.StatusOK, &link)
	if link.URL != "https://wa.me/"+w.meta.Config().DisplayPhoneNumber+"?text=Oi" {
		t.Errorf("cloud link = %q", link.URL)
	}
	// The website channel's chat page; a prefill means nothing there.
	e.expect(t, jsonCall("GET", "/channels/"+w.site.ID+"/link?text=Oi", e.ownerTok, nil), http.StatusOK, &link)
	if link.URL != e.s.Config.BaseURL+"/demo/"+w.site.ID {
		t.Errorf("website link = %q", link.URL)
	}
	long := e.expectError(t, jsonCall("GET", "/channels/"+w.d360.ID+"/link?text="+strings.Repeat("%C3%A9", 400), e.ownerTok, nil),
		http.StatusUnprocessableEntity, "validation_failed")
	wantFields(t, long, "text")

	for _, size := range []int{256, 512, 1024} {
		resp, body := e.do(t, jsonCall("GET", "/channels/"+w.d360.ID+"/qr.png?size="+strconv.Itoa(size)+"&text=Oi", e.ownerTok, nil))
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("QR at %d: %d %s", size, resp.StatusCode, body)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil || format != "png" || cfg.Width != size || cfg.Height != size {
			t.Errorf("QR at %d decodes as %s %dx%d (%v)", size, format, cfg.Width, cfg.Height, err)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != "attachment; filename=whatsapp-suporte-qr-"+strconv.Itoa(size)+".png" {
			t.Errorf("Content-Disposition = %q", cd)
		}
	}
	resp, body := e.do(t, jsonCall("GET", "/channels/"+w.site.ID+"/qr.png", e.ownerTok, nil))
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(body)); resp.StatusCode != http.StatusOK || err != nil || cfg.Width != 512 {
		t.Errorf("website QR at the default size: %d, %v (%v)", resp.StatusCode, cfg, err)
	}
	for _, size := range []string{"300", "big", "0"} {
		got := e.expectError(t, jsonCall("GET", "/channels/"+w.d360.ID+"/qr.png?size="+size, e.ownerTok, nil).invalid(),
			http.StatusUnprocessableEntity, "validation_failed")
		wantFields(t, got, "size")
	}

	for _, path := range []string{"/link", "/qr.png"} {
		e.expectError(t, jsonCall("GET", "/channels/"+w.d360.ID+path, e.agentTok, nil), http.StatusForbidden, "forbidden")
		e.expectError(t, jsonCall("GET", "/channels/"+w.d360.ID+path, e.strangerTok, nil), http.StatusNotFound, "not_found")
	}
}
