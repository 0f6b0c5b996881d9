package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"

	"charla/internal/auth"
	msgtpl "charla/internal/templates"
)

// template returns the stored template name in language on the fixture's
// channel, failing the test when there is none.
func (f waFixture) template(name, language string) msgtpl.Template {
	f.e.t.Helper()
	list, _, err := f.e.s.Templates.List(context.Background(), f.owner.WorkspaceID, f.wa.ID, msgtpl.Filter{})
	if err != nil {
		f.e.t.Fatal(err)
	}
	for _, t := range list {
		if t.Name == name && t.Language == language {
			return t
		}
	}
	f.e.t.Fatalf("no template %s in %s on the channel", name, language)
	return msgtpl.Template{}
}

// syncTemplates syncs the fixture channel's templates from the emulator.
func (f waFixture) syncTemplates() {
	f.e.t.Helper()
	if _, err := f.e.s.Templates.Sync(context.Background(), f.owner.WorkspaceID, f.wa.ID); err != nil {
		f.e.t.Fatal(err)
	}
}

// withAppID gives the fixture's Cloud API channel a Meta app id, which
// resumable uploads (template samples, the profile photo) need.
func (f waFixture) withAppID() {
	f.e.t.Helper()
	c := f.emu.Config()
	settings := json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q,"app_id":"1234567890"}`,
		c.PhoneNumberID, c.WABAID, f.emu.url))
	if _, err := f.e.s.Channels.Update(context.Background(), f.owner.WorkspaceID, f.wa.ID, nil, settings, nil); err != nil {
		f.e.t.Fatal(err)
	}
}

// agent adds an agent to the fixture's workspace and signs them in.
func (f waFixture) agent() *browser {
	f.e.t.Helper()
	if _, err := f.e.s.Auth.CreateUser(context.Background(), f.owner, "andy@acme.test", "Andy", password, auth.Agent); err != nil {
		f.e.t.Fatal(err)
	}
	b := f.e.browser()
	b.login("andy@acme.test")
	return b
}

// part is one field of a multipart form: a value, or a file when filename is set.
type part struct {
	name, value        string
	filename, mimeType string
	data               []byte
}

// postMultipart submits a multipart form as a same-origin browser does.
func (b *browser) postMultipart(path string, parts ...part) page {
	b.e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.filename == "" {
			_ = mw.WriteField(p.name, p.value)
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.name, p.filename))
		h.Set("Content-Type", p.mimeType)
		w, err := mw.CreatePart(h)
		if err != nil {
			b.e.t.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	req := b.request(http.MethodPost, path, &buf, "Content-Type", mw.FormDataContentType(), "Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// pngImage is a small PNG of w×h pixels.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// getBytes fetches path and returns the answer with its raw body.
func (b *browser) getBytes(path string) (*http.Response, []byte) {
	b.e.t.Helper()
	res, err := b.c.Do(b.request(http.MethodGet, path, nil))
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return res, body
}
