package webchat_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"charla/internal/inbox"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// part is one field of a multipart form; a file when filename is set.
type part struct{ name, filename, contentType, data string }

func form(parts ...part) (*bytes.Buffer, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := `form-data; name="` + p.name + `"`
		if p.filename != "" {
			cd += `; filename="` + p.filename + `"`
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, _ := w.CreatePart(h)
		_, _ = io.WriteString(pw, p.data)
	}
	_ = w.Close()
	return &b, w.FormDataContentType()
}

func (e *env) upload(ch, token string, parts ...part) reply {
	e.t.Helper()
	body, ct := form(parts...)
	return e.do("POST", "/widget/"+ch+"/messages", body, "Content-Type", ct, "Authorization", "Bearer "+token)
}

// fetch loads an attachment URL the way an <img> does: no headers, token in the URL.
func (e *env) fetch(url string) reply {
	e.t.Helper()
	return e.do("GET", strings.TrimPrefix(url, e.url), nil)
}

const png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"

func TestUploadsAndAttachments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := newEnv(t, d)
		tok := e.visit(e.site.ID, map[string]string{"name": "Vera"})

		m := decode[message](t, e.upload(e.site.ID, tok, part{"body", "", "", "look"}, part{"file", "shot.png", "image/png", png}), http.StatusCreated)
		if m.Body != "look" || len(m.Attachments) != 1 {
			t.Fatalf("upload %+v", m)
		}
		a := m.Attachments[0]
		if a.Filename != "shot.png" || a.ContentType != "image/png" || a.Size != int64(len(png)) || !strings.HasPrefix(a.URL, e.url+"/widget/"+e.site.ID+"/attachments/"+a.ID+"?token=") {
			t.Fatalf("attachment %+v", a)
		}
		r := e.fetch(a.URL)
		if r.status != http.StatusOK || string(r.body) != png {
			t.Fatalf("image: %d %q", r.status, r.body)
		}
		for k, want := range map[string]string{"Content-Type": "image/png", "Content-Disposition": `inline; filename=shot.png`,
			"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"} {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s: %q, want %q", k, got, want)
			}
		}

		// A file alone is a message; anything but a safe image downloads.
		page := decode[message](t, e.upload(e.site.ID, tok, part{"file", "page.html", "text/html", "<script>alert(1)</script>"}), http.StatusCreated)
		if page.Body != "" || len(page.Attachments) != 1 {
			t.Fatalf("file-only message %+v", page)
		}
		r = e.fetch(page.Attachments[0].URL)
		if r.status != http.StatusOK || r.header.Get("Content-Disposition") != "attachment; filename=page.html" {
			t.Fatalf("html file: %d %v", r.status, r.header)
		}

		// Agents' files reach the visitor too.
		conv := e.conversations()[0].ID
		if _, err := e.s.Inbox.Send(ctx, e.owner, conv, "here", []inbox.Upload{{Filename: "invoice.pdf", ContentType: "application/pdf", Body: strings.NewReader("%PDF-1.4")}}); err != nil {
			t.Fatal(err)
		}
		h := e.history(tok, "")
		agentFile := h.Messages[len(h.Messages)-1].Attachments[0]
		if r := e.fetch(agentFile.URL); r.status != http.StatusOK || string(r.body) != "%PDF-1.4" {
			t.Fatalf("agent's file: %d %s", r.status, r.body)
		}

		// Another visitor can't load them with their own token, nor without one.
		other := e.visit(e.site.ID, nil)
		e.send(other, "hi")
		foreign := strings.Split(a.URL, "?")[0]
		if r := e.fetch(foreign + "?token=" + other); r.status != http.StatusNotFound {
			t.Fatalf("another visitor's attachment: %d %s", r.status, r.body)
		}
		if r := e.fetch(foreign); r.status != http.StatusUnauthorized {
			t.Fatalf("no token: %d", r.status)
		}

		if r := e.upload(e.site.ID, tok, part{"body", "", "", "  "}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty form: %d %s", r.status, r.body)
		}
		before := e.storedFiles()
		if r := e.upload(e.site.ID, tok, part{"file", "a.txt", "", "a"}, part{"file", "b.txt", "", "b"}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("two files: %d %s", r.status, r.body)
		}
		if r := e.upload(e.site.ID, tok, part{"file", "a.txt", "", "a"}, part{"body", "", "", strings.Repeat("x", 4097)}); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("file then a long body: %d %s", r.status, r.body)
		}
		if n := e.storedFiles(); n != before {
			t.Fatalf("refused uploads left files: %d → %d", before, n)
		}
	})
}

func TestUploadOverLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d)
		tok := e.visit(e.site.ID, nil)
		limit := e.s.MaxUpload()

		// Within the declared length, the file itself runs over: refused while streaming.
		r := e.upload(e.site.ID, tok, part{"body", "", "", "big"}, part{"file", "big.bin", "application/octet-stream", strings.Repeat("x", int(limit)+1)})
		if b := decode[errorBody](t, r, http.StatusRequestEntityTooLarge); b.Error.Code != "payload_too_large" {
			t.Fatalf("over the limit: %s", r.body)
		}
		// Exactly at the limit is fine.
		if r := e.upload(e.site.ID, tok, part{"file", "ok.bin", "", strings.Repeat("x", int(limit))}); r.status != http.StatusCreated {
			t.Fatalf("at the limit: %d %s", r.status, r.body)
		}
		if n := e.storedFiles(); n != 2 { // the accepted file and its content-type sidecar
			t.Fatalf("%d files stored, want only the accepted one", n)
		}
		if h := e.history(tok, ""); len(h.Messages) != 1 || h.Messages[0].Attachments[0].Filename != "ok.bin" {
			t.Fatalf("history %+v", h)
		}

		// A declared length over the limit is refused before the body is read: the
		// client has sent almost nothing and is still waiting to send the rest.
		pr, pw := io.Pipe()
		defer pw.Close()
		req, _ := http.NewRequest("POST", e.url+"/widget/"+e.site.ID+"/messages", pr)
		req.ContentLength = 10 * limit
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Authorization", "Bearer "+tok)
		go func() { _, _ = pw.Write([]byte("--x\r\n")) }()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("declared length: %d", res.StatusCode)
		}
	})
}
