package emulator

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

func multipartUpload(t *testing.T, data []byte, typ string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", typ)
	fw, err := mw.CreateFormFile("file", "photo.png")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func TestMediaUploadFetchRoundtrip(t *testing.T) {
	f := newFixture(t, nil)
	data := []byte("\x89PNG\r\n\x1a\nnot really a png")
	body, ct := multipartUpload(t, data, "image/png")
	resp, got := f.do(t, "POST", "/v23.0/"+testPhone+"/media", testToken, body, ct)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload %d %s", resp.StatusCode, got)
	}
	var up struct{ ID string }
	if err := json.Unmarshal(got, &up); err != nil || up.ID == "" {
		t.Fatalf("upload body %s", got)
	}

	resp, got = f.do(t, "GET", "/v23.0/"+up.ID, testToken, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("info %d %s", resp.StatusCode, got)
	}
	var info map[string]string
	if err := json.Unmarshal(got, &info); err != nil {
		t.Fatalf("info body %s", got)
	}
	sum := sha256.Sum256(data)
	if info["id"] != up.ID || info["mime_type"] != "image/png" || info["messaging_product"] != "whatsapp" ||
		info["file_size"] != strconv.Itoa(len(data)) || info["sha256"] != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("info %v", info)
	}
	u, err := url.Parse(info["url"])
	if err != nil {
		t.Fatal(err)
	}

	// The URL needs the bearer token (or the 360dialog key).
	resp, err = http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated download: %d", resp.StatusCode)
	}
	for _, auth := range []func(*http.Request){
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken) },
		func(r *http.Request) { r.Header.Set("D360-API-KEY", testKey) },
	} {
		req, _ := http.NewRequest("GET", u.String(), nil)
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b.Bytes(), data) || resp.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("download %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), b.Bytes())
		}
	}

	if resp, _ := f.do(t, "DELETE", "/v23.0/"+up.ID, testToken, nil, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("delete %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "GET", "/v23.0/"+up.ID, testToken, nil, ""); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("deleted media still served: %d", resp.StatusCode)
	}
}

func TestMediaUploadNeedsFile(t *testing.T) {
	f := newFixture(t, nil)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.Close()
	resp, got := f.do(t, "POST", "/v23.0/"+testPhone+"/media", testToken, buf.Bytes(), mw.FormDataContentType())
	var e struct{ Error struct{ Code int } }
	_ = json.Unmarshal(got, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Code != 131008 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
}
