package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"charla/internal/problem"
)

// fakeAPI records requests and answers with canned responses by path.
type fakeAPI struct {
	mu      sync.Mutex
	reqs    []recorded
	answers map[string]func(w http.ResponseWriter, r *http.Request)
}

type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
}

func newFake(t *testing.T, answers map[string]func(w http.ResponseWriter, r *http.Request)) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		f.mu.Lock()
		f.reqs = append(f.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		f.mu.Unlock()
		if h, ok := f.answers[r.Method+" "+r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func jsonAnswer(status int, body string, hdr ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

const sendOK = `{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA","message_status":"accepted"}]}`

func TestSendPathsAndHeadersPerProvider(t *testing.T) {
	cases := []struct {
		name   string
		cfg    ClientConfig
		path   string
		header string
		value  string
		absent string
	}{
		{"cloud api", ClientConfig{Provider: CloudAPI, PhoneNumberID: "106540352242922", Token: "EAAsecret"}, "/v23.0/106540352242922/messages", "Authorization", "Bearer EAAsecret", "D360-API-KEY"},
		{"cloud api version", ClientConfig{Provider: CloudAPI, Version: "v25.0", PhoneNumberID: "1", Token: "EAAsecret"}, "/v25.0/1/messages", "Authorization", "Bearer EAAsecret", "D360-API-KEY"},
		{"360dialog", ClientConfig{Provider: Dialog360, PhoneNumberID: "ignored", APIKey: "d360secret"}, "/messages", "D360-API-KEY", "d360secret", "Authorization"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){"POST " + c.path: jsonAnswer(200, sendOK)})
			c.cfg.BaseURL = srv.URL
			res, err := NewClient(c.cfg).Send(context.Background(), "+16505551234", TextMessage{Body: "hi"})
			if err != nil {
				t.Fatal(err)
			}
			if res.MessageID != "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA" || res.WaID != "16505551234" || res.Status != "accepted" {
				t.Fatalf("result %+v", res)
			}
			r := f.reqs[0]
			if r.Path != c.path || r.RawQuery != "" {
				t.Fatalf("path %s?%s, want %s with no query", r.Path, r.RawQuery, c.path)
			}
			if got := r.Header.Get(c.header); got != c.value {
				t.Fatalf("%s = %q", c.header, got)
			}
			if r.Header.Get(c.absent) != "" {
				t.Fatalf("%s must not be sent", c.absent)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := NewClient(ClientConfig{PhoneNumberID: "1"})
	if got := c.endpoint(true, "messages"); got != "https://graph.facebook.com/v23.0/1/messages" {
		t.Errorf("cloud default %s", got)
	}
	d := NewClient(ClientConfig{Provider: Dialog360, PhoneNumberID: "1"})
	if got := d.endpoint(true, "messages"); got != "https://waba-v2.360dialog.io/messages" {
		t.Errorf("360dialog default %s", got)
	}
	if got := d.endpoint(false, "123"); got != "https://waba-v2.360dialog.io/123" {
		t.Errorf("360dialog media %s", got)
	}
}

func TestMarkRead(t *testing.T) {
	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){"POST /v23.0/1/messages": jsonAnswer(200, `{"success":true}`)})
	c := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "1", Token: "t"})
	if err := c.MarkRead(context.Background(), "wamid.A"); err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, "mark read", []byte(f.reqs[0].Body), []byte(`{"messaging_product":"whatsapp","status":"read","message_id":"wamid.A"}`))
	if err := c.MarkRead(context.Background(), ""); !problem.Is(err, problem.Invalid) {
		t.Fatalf("empty id: %v", err)
	}
}

func TestUploadMedia(t *testing.T) {
	for _, p := range []struct {
		prov Provider
		path string
	}{{CloudAPI, "/v23.0/1/media"}, {Dialog360, "/media"}} {
		var fields map[string]string
		var fileCT, fileName string
		_, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){"POST " + p.path: func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data; boundary=") {
				t.Errorf("content type %q", r.Header.Get("Content-Type"))
			}
			mr, err := r.MultipartReader()
			if err != nil {
				t.Fatal(err)
			}
			fields = map[string]string{}
			for {
				part, err := mr.NextPart()
				if err != nil {
					break
				}
				b, _ := io.ReadAll(part)
				fields[part.FormName()] = string(b)
				if part.FormName() == "file" {
					fileCT, fileName = part.Header.Get("Content-Type"), part.FileName()
				}
			}
			jsonAnswer(200, `{"id":"4490709327384033"}`)(w, r)
		}})
		c := NewClient(ClientConfig{Provider: p.prov, BaseURL: srv.URL, PhoneNumberID: "1", Token: "t", APIKey: "k"})
		id, err := c.UploadMedia(context.Background(), `my "cat".jpg`, "image/jpeg", strings.NewReader("JPEGDATA"))
		if err != nil || id != "4490709327384033" {
			t.Fatalf("%v: %q %v", p.prov, id, err)
		}
		if fields["messaging_product"] != "whatsapp" || fields["type"] != "image/jpeg" || fields["file"] != "JPEGDATA" {
			t.Fatalf("fields %q", fields)
		}
		if fileCT != "image/jpeg" || fileName != `my "cat".jpg` {
			t.Fatalf("file part %q %q", fileCT, fileName)
		}
	}
	c := NewClient(ClientConfig{PhoneNumberID: "1"})
	if _, err := c.UploadMedia(context.Background(), "a", "", nil); !problem.Is(err, problem.Invalid) {
		t.Fatalf("got %v", err)
	}
}

func TestMediaURLAndDownloadCloud(t *testing.T) {
	var srvURL string
	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /v23.0/1037543291543636": func(w http.ResponseWriter, r *http.Request) {
			jsonAnswer(200, `{"messaging_product":"whatsapp","url":"`+srvURL+`/whatsapp_business/attachments/?mid=1037543291543636&ext=1","mime_type":"image/jpeg","sha256":"e0b5","file_size":"303833","id":"1037543291543636"}`)(w, r)
		},
		"GET /whatsapp_business/attachments/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			io.WriteString(w, "JPEG")
		},
	})
	srvURL = srv.URL
	c := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "1", Token: "tok"})
	info, err := c.MediaURL(context.Background(), "1037543291543636")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 303833 || info.MimeType != "image/jpeg" || info.SHA256 != "e0b5" || !strings.HasPrefix(info.URL, srv.URL) {
		t.Fatalf("info %+v", info)
	}
	rc, mime, size, err := c.DownloadMedia(context.Background(), info.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "JPEG" || mime != "image/jpeg" || size != 4 {
		t.Fatalf("%q %q %d", b, mime, size)
	}
	for _, r := range f.reqs {
		if r.Header.Get("Authorization") != "Bearer tok" || strings.Contains(r.RawQuery, "tok") {
			t.Fatalf("%s: auth %q query %q", r.Path, r.Header.Get("Authorization"), r.RawQuery)
		}
	}
}

func TestMediaDownload360dialogRewritesLookaside(t *testing.T) {
	c := NewClient(ClientConfig{Provider: Dialog360, APIKey: "k"})
	got := c.rewriteLookaside("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=9&ext=1")
	if got != "https://waba-v2.360dialog.io/whatsapp_business/attachments/?mid=9&ext=1" {
		t.Fatalf("rewrite %s", got)
	}
	if got := c.rewriteLookaside("https://cdn.example.com/a"); got != "https://cdn.example.com/a" {
		t.Fatalf("other hosts must be left alone: %s", got)
	}

	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /555": jsonAnswer(200, `{"messaging_product":"whatsapp","url":"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=555","mime_type":"audio/ogg","sha256":"x","file_size":12,"id":"555"}`),
		"GET /whatsapp_business/attachments/": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "audio/ogg")
			io.WriteString(w, "OGG")
		},
	})
	c = NewClient(ClientConfig{Provider: Dialog360, BaseURL: srv.URL, APIKey: "k"})
	info, err := c.MediaURL(context.Background(), "555")
	if err != nil {
		t.Fatal(err)
	}
	if info.URL != srv.URL+"/whatsapp_business/attachments/?mid=555" || info.Size != 12 {
		t.Fatalf("info %+v", info)
	}
	rc, mime, _, err := c.DownloadMedia(context.Background(), info.URL)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if mime != "audio/ogg" {
		t.Fatalf("mime %q", mime)
	}
	for _, r := range f.reqs {
		if r.Header.Get("D360-API-KEY") != "k" || r.Header.Get("Authorization") != "" {
			t.Fatalf("%s: headers %v", r.Path, r.Header)
		}
	}
}

func TestPhoneNumber(t *testing.T) {
	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /v23.0/106540352242922": jsonAnswer(200, `{"verified_name":"Charla Test","display_phone_number":"+1 555-010-0000","quality_rating":"GREEN","messaging_limit_tier":"TIER_1K","id":"106540352242922"}`),
	})
	c := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "106540352242922", Token: "t"})
	got, err := c.PhoneNumber(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := PhoneNumberInfo{ID: "106540352242922", DisplayPhoneNumber: "+1 555-010-0000", VerifiedName: "Charla Test", QualityRating: "GREEN", MessagingLimitTier: "TIER_1K"}
	if got != want {
		t.Fatalf("got %+v", got)
	}
	if q := f.reqs[0].RawQuery; q != "fields=display_phone_number%2Cverified_name%2Cquality_rating%2Cmessaging_limit_tier" {
		t.Fatalf("query %s", q)
	}
	if _, err := NewClient(ClientConfig{Provider: Dialog360}).PhoneNumber(context.Background()); err == nil {
		t.Fatal("360dialog has no phone number endpoint")
	}
}

func TestAPIErrors(t *testing.T) {
	cases := []struct {
		name       string
		status     int
		body       string
		hdr        []string
		code       int
		subcode    int
		retryable  bool
		retryAfter time.Duration
		details    string
		plainHas   string
	}{
		{"131047 re-engagement", 400, `{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_subcode":2494010,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"AXsgnV2Cm3ZMGF3dF_cfYIn"}}`,
			nil, 131047, 2494010, false, 0, "Message failed to send because more than 24 hours have passed since the customer last replied to this number.", "template"},
		{"131026 undeliverable", 400, `{"error":{"message":"(#131026) Message Undeliverable","type":"OAuthException","code":131026,"error_data":{"messaging_product":"whatsapp","details":"Message Undeliverable."},"fbtrace_id":"A1"}}`,
			nil, 131026, 0, false, 0, "Message Undeliverable.", "not be delivered"},
		{"130429 rate limit with Retry-After", 429, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"error_data":{"messaging_product":"whatsapp","details":"Cloud API message throughput has been reached."},"fbtrace_id":"A2"}}`,
			[]string{"Retry-After", "7"}, 130429, 0, true, 7 * time.Second, "Cloud API message throughput has been reached.", "shortly"},
		{"130429 as HTTP 400", 400, `{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"A3"}}`,
			nil, 130429, 0, true, 0, "", "shortly"},
		{"131056 pair rate", 400, `{"error":{"message":"(#131056) (Business, Consumer) pair rate limit hit","type":"OAuthException","code":131056,"fbtrace_id":"A4"}}`,
			nil, 131056, 0, true, 0, "", "pause"},
		{"131048 spam", 400, `{"error":{"code":131048,"message":"(#131048) Spam rate limit hit"}}`, nil, 131048, 0, true, 0, "", ""},
		{"131016 unavailable", 500, `{"error":{"code":131016,"message":"(#131016) Service unavailable"}}`, nil, 131016, 0, true, 0, "", ""},
		{"1 unknown", 400, `{"error":{"code":1,"message":"An unknown error occurred"}}`, nil, 1, 0, true, 0, "", ""},
		{"2 service", 503, `{"error":{"code":2,"message":"Service temporarily unavailable","is_transient":true}}`, nil, 2, 0, true, 0, "", ""},
		{"190 token", 401, `{"error":{"message":"Invalid OAuth access token - Cannot parse access token","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"Az"}}`,
			nil, 190, 463, false, 0, "", "token"},
		{"100 invalid parameter", 400, `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"error_user_msg":"Param text['body'] is too long","fbtrace_id":"B"}}`,
			nil, 100, 0, false, 0, "Param text['body'] is too long", "parameter"},
		{"4 transient", 429, `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","is_transient":true,"code":4,"error_subcode":2446079,"fbtrace_id":"C"}}`,
			[]string{"Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT"}, 4, 2446079, true, -1, "", ""},
		{"360dialog string error", 401, `{"error":"Invalid api_key"}`, nil, 0, 0, false, 0, "", "credentials"},
		{"360dialog 503 no body", 503, ``, nil, 0, 0, true, 0, "", "unavailable"},
		{"html 502", 502, `<html>bad gateway</html>`, nil, 0, 0, true, 0, "", "unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){"POST /v23.0/1/messages": jsonAnswer(c.status, c.body, c.hdr...)})
			cl := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "1", Token: "EAAsupersecret"})
			_, err := cl.Send(context.Background(), "1", TextMessage{Body: "x"})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("got %T %v", err, err)
			}
			if ae.Status != c.status || ae.Code != c.code || ae.Subcode != c.subcode || ae.Retryable() != c.retryable {
				t.Fatalf("got status %d code %d sub %d retryable %v: %+v", ae.Status, ae.Code, ae.Subcode, ae.Retryable(), ae)
			}
			if c.retryAfter >= 0 && ae.RetryAfter != c.retryAfter {
				t.Fatalf("retry after %v", ae.RetryAfter)
			}
			if c.retryAfter < 0 && ae.RetryAfter < time.Hour {
				t.Fatalf("HTTP-date Retry-After ignored: %v", ae.RetryAfter)
			}
			if ae.Details != c.details {
				t.Fatalf("details %q", ae.Details)
			}
			if !strings.Contains(ae.Plain(), c.plainHas) {
				t.Fatalf("plain %q lacks %q", ae.Plain(), c.plainHas)
			}
			if c.code != 0 && ae.FBTraceID == "" && strings.Contains(c.body, "fbtrace_id") {
				t.Fatal("fbtrace_id lost")
			}
			if strings.Contains(err.Error(), "supersecret") {
				t.Fatalf("token leaked: %v", err)
			}
		})
	}
}

type failingTransport struct{}

func (failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("dial tcp: connection refused")
}

func TestNetworkErrorIsRetryableAndHidesSecrets(t *testing.T) {
	c := NewClient(ClientConfig{PhoneNumberID: "1", Token: "EAAsupersecret", HTTPClient: &http.Client{Transport: failingTransport{}}})
	_, err := c.Send(context.Background(), "1", TextMessage{Body: "x"})
	var ae *APIError
	if !errors.As(err, &ae) || !ae.Retryable() || ae.Status != 0 {
		t.Fatalf("got %v", err)
	}
	_, _, _, err = c.DownloadMedia(context.Background(), "https://lookaside.fbsbx.com/x?mid=1&sig=SIGNED")
	if err == nil || strings.Contains(err.Error(), "SIGNED") || strings.Contains(err.Error(), "supersecret") {
		t.Fatalf("got %v", err)
	}
	d := NewClient(ClientConfig{Provider: Dialog360, APIKey: "d360supersecret", HTTPClient: &http.Client{Transport: failingTransport{}}})
	if _, err := d.Send(context.Background(), "1", TextMessage{Body: "x"}); err == nil || strings.Contains(err.Error(), "supersecret") {
		t.Fatalf("got %v", err)
	}
}

func TestDownloadMediaOnlySendsCredentialsToKnownHosts(t *testing.T) {
	c := NewClient(ClientConfig{PhoneNumberID: "1", Token: "t", HTTPClient: &http.Client{Transport: failingTransport{}}})
	for _, u := range []string{"https://evil.example.com/a", "ftp://lookaside.fbsbx.com/a", "not a url"} {
		if _, _, _, err := c.DownloadMedia(context.Background(), u); !problem.Is(err, problem.Invalid) {
			t.Errorf("%s: got %v", u, err)
		}
	}
}

func TestSendRejectsResponseWithoutID(t *testing.T) {
	_, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){"POST /v23.0/1/messages": jsonAnswer(200, `{"messaging_product":"whatsapp","messages":[]}`)})
	c := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "1", Token: "t"})
	if _, err := c.Send(context.Background(), "1", TextMessage{Body: "x"}); err == nil {
		t.Fatal("want error")
	}
}
