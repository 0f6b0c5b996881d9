package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Edge cases of the template, profile and upload calls that the emulator
// does not produce, played by small fakes.

func TestBusinessProfileReadsFlatAndNestedForms(t *testing.T) {
	profile := `{"about":"Hi","address":"1 Main St","description":"Tea","email":"a@example.com","messaging_product":"whatsapp","profile_picture_url":"https://pps.whatsapp.net/p","websites":["https://example.com"],"vertical":"RETAIL"}`
	want := BusinessProfile{About: "Hi", Address: "1 Main St", Description: "Tea", Email: "a@example.com",
		ProfilePictureURL: "https://pps.whatsapp.net/p", Vertical: "RETAIL", Websites: []string{"https://example.com"}}
	for name, body := range map[string]string{
		"flat (Meta's page, pywa, 360dialog)": `{"data":[` + profile + `]}`,
		"nested (Meta's OpenAPI example)":     `{"data":[{"business_profile":` + profile + `}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
				"GET /v23.0/1/whatsapp_business_profile": jsonAnswer(200, body),
			})
			got, err := NewClient(ClientConfig{BaseURL: srv.URL, PhoneNumberID: "1", Token: "t"}).BusinessProfile(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
			if q, _ := url.ParseQuery(f.reqs[0].RawQuery); q.Get("fields") != profileFields {
				t.Fatalf("fields %q", q.Get("fields"))
			}
		})
	}
	_, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /whatsapp_business_profile": jsonAnswer(200, `{"data":[]}`),
	})
	if _, err := NewClient(ClientConfig{Provider: Dialog360, BaseURL: srv.URL, APIKey: "k"}).BusinessProfile(context.Background()); err == nil {
		t.Fatal("an empty data array was accepted as a profile")
	}
}

func TestUpdateBusinessProfileSendsOnlySetFields(t *testing.T) {
	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /whatsapp_business_profile": jsonAnswer(200, `{"success":true}`),
	})
	c := NewClient(ClientConfig{Provider: Dialog360, BaseURL: srv.URL, APIKey: "k"})
	updates := []struct {
		u    ProfileUpdate
		want string
	}{
		{ProfileUpdate{About: new("Hi")}, `{"about":"Hi","messaging_product":"whatsapp"}`},
		{ProfileUpdate{Address: new(""), Websites: &[]string{}}, `{"address":"","messaging_product":"whatsapp","websites":[]}`},
		{ProfileUpdate{ProfilePictureHandle: "4::aW1h:X", Vertical: new("HOTEL")}, `{"messaging_product":"whatsapp","profile_picture_handle":"4::aW1h:X","vertical":"HOTEL"}`},
	}
	for i, u := range updates {
		if err := c.UpdateBusinessProfile(context.Background(), u.u); err != nil {
			t.Fatal(err)
		}
		if got := f.reqs[i].Body; got != u.want {
			t.Errorf("update %d sent %s, want %s", i, got, u.want)
		}
	}
}

func TestListTemplatesReadsEveryField(t *testing.T) {
	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"GET /v23.0/waba/message_templates": jsonAnswer(200, `{"data":[
			{"id":1192339204654487,"name":"hello_world","language":"en_US","status":"APPROVED","category":"MARKETING","previous_category":"ACCOUNT_UPDATE","quality_score":{"score":"GREEN","date":1700000000},"components":[{"type":"BODY","text":"Hi"}]},
			{"id":"920070352646140","name":"promo","language":"en_US","status":"REJECTED","category":"MARKETING","rejected_reason":"PROMOTIONAL","quality_score":"UNKNOWN"}],
			"paging":{"cursors":{"before":"MAZDZD","after":"MjQZD"}}}`),
	})
	got, err := NewClient(ClientConfig{BaseURL: srv.URL, WABAID: "waba", Token: "t"}).ListTemplates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []TemplateRecord{
		{ID: "1192339204654487", Name: "hello_world", Language: "en_US", Status: "APPROVED", Category: "MARKETING",
			PreviousCategory: "ACCOUNT_UPDATE", QualityScore: "GREEN", Components: json.RawMessage(`[{"type":"BODY","text":"Hi"}]`)},
		{ID: "920070352646140", Name: "promo", Language: "en_US", Status: "REJECTED", Category: "MARKETING",
			RejectedReason: "PROMOTIONAL", QualityScore: "UNKNOWN"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	q, _ := url.ParseQuery(f.reqs[0].RawQuery)
	if q.Get("limit") != "100" || !strings.Contains(q.Get("fields"), "quality_score") || len(f.reqs) != 1 {
		t.Fatalf("requests %+v", f.reqs)
	}
}

func TestListTemplatesPagingGuards(t *testing.T) {
	page := func(id, next string) string {
		return fmt.Sprintf(`{"data":[{"id":%q,"name":"t%s","language":"en_US","status":"APPROVED","category":"UTILITY","components":[]}],"paging":{"next":%q}}`, id, id, next)
	}
	t.Run("next names the same page", func(t *testing.T) {
		var self string
		f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /v23.0/waba/message_templates": func(w http.ResponseWriter, r *http.Request) { jsonAnswer(200, page("1", self))(w, r) },
		})
		self = srv.URL + "/v23.0/waba/message_templates?" + url.Values{"limit": {"100"}, "fields": {templateFields}}.Encode()
		_, err := NewClient(ClientConfig{BaseURL: srv.URL, WABAID: "waba", Token: "t"}).ListTemplates(context.Background())
		if !errors.Is(err, errTemplatePaging) || len(f.reqs) != 1 {
			t.Fatalf("err %v after %d requests, want the paging error after 1", err, len(f.reqs))
		}
	})
	t.Run("next pages repeat the same templates", func(t *testing.T) {
		n := 0
		var base string
		f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /v23.0/waba/message_templates": func(w http.ResponseWriter, r *http.Request) {
				n++
				jsonAnswer(200, page("1", fmt.Sprintf("%s/v23.0/waba/message_templates?after=%d", base, n)))(w, r)
			},
		})
		base = srv.URL
		_, err := NewClient(ClientConfig{BaseURL: srv.URL, WABAID: "waba", Token: "t"}).ListTemplates(context.Background())
		if !errors.Is(err, errTemplatePaging) || len(f.reqs) != 2 {
			t.Fatalf("err %v after %d requests, want the paging error after 2", err, len(f.reqs))
		}
	})
	t.Run("next on another host", func(t *testing.T) {
		other, otherSrv := newFake(t, nil)
		f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /v23.0/waba/message_templates": jsonAnswer(200, page("1", otherSrv.URL+"/v23.0/waba/message_templates?after=x")),
		})
		_, err := NewClient(ClientConfig{BaseURL: srv.URL, WABAID: "waba", Token: "secret-token"}).ListTemplates(context.Background())
		if err == nil || len(f.reqs) != 1 || len(other.reqs) != 0 {
			t.Fatalf("err %v; %d requests to the other host", err, len(other.reqs))
		}
		if strings.Contains(err.Error(), otherSrv.URL) || strings.Contains(err.Error(), "secret-token") {
			t.Fatalf("error %q names the URL or the token", err)
		}
	})
}

func TestList360Templates(t *testing.T) {
	tmpl := func(ids ...int) string {
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf(`{"id":"%d","name":"t%d","language":"en_US","status":"APPROVED","category":"UTILITY","components":[]}`, id, id))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	t.Run("no paging wrapper", func(t *testing.T) {
		// A page of another size than asked for, without a total, is the last.
		f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /v1/configs/templates": jsonAnswer(200, `{"waba_templates":`+tmpl(1, 2, 3)+`}`),
		})
		got, err := NewClient(ClientConfig{Provider: Dialog360, BaseURL: srv.URL, APIKey: "k"}).ListTemplates(context.Background())
		if err != nil || len(got) != 3 || len(f.reqs) != 1 {
			t.Fatalf("%d templates after %d requests, err %v", len(got), len(f.reqs), err)
		}
		if f.reqs[0].Header.Get("D360-API-KEY") != "k" || f.reqs[0].RawQuery != "limit=100&offset=0" {
			t.Fatalf("request %+v", f.reqs[0])
		}
	})
	t.Run("offset ignored", func(t *testing.T) {
		ids := make([]int, 100)
		for i := range ids {
			ids[i] = i + 1
		}
		f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
			"GET /v1/configs/templates": jsonAnswer(200, `{"total":250,"waba_templates":`+tmpl(ids...)+`}`),
		})
		_, err := NewClient(ClientConfig{Provider: Dialog360, BaseURL: srv.URL, APIKey: "k"}).ListTemplates(context.Background())
		if !errors.Is(err, errTemplatePaging) || len(f.reqs) != 2 {
			t.Fatalf("err %v after %d requests, want the paging error after 2", err, len(f.reqs))
		}
	})
}

func TestDeleteTemplateRequests(t *testing.T) {
	cases := []struct {
		name, id string
		cfg      ClientConfig
		want     string
	}{
		{"order_update", "", ClientConfig{WABAID: "waba", Token: "t"}, "DELETE /v23.0/waba/message_templates?name=order_update"},
		{"order_update", "77", ClientConfig{WABAID: "waba", Token: "t"}, "DELETE /v23.0/waba/message_templates?hsm_id=77&name=order_update"},
		{"order_update", "", ClientConfig{Provider: Dialog360, APIKey: "k"}, "DELETE /v1/configs/templates/order_update"},
		{"order_update", "77", ClientConfig{Provider: Dialog360, APIKey: "k"}, "DELETE /v1/configs/templates/order_update?hsm_id=77"},
	}
	for _, c := range cases {
		path, _, _ := strings.Cut(strings.TrimPrefix(c.want, "DELETE "), "?")
		f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){"DELETE " + path: jsonAnswer(200, `{"success":true}`)})
		c.cfg.BaseURL = srv.URL
		if err := NewClient(c.cfg).DeleteTemplate(context.Background(), c.name, c.id); err != nil {
			t.Fatal(err)
		}
		got := f.reqs[0].Method + " " + f.reqs[0].Path
		if f.reqs[0].RawQuery != "" {
			got += "?" + f.reqs[0].RawQuery
		}
		if got != c.want {
			t.Errorf("sent %s, want %s", got, c.want)
		}
	}
	_, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"DELETE /v23.0/waba/message_templates": jsonAnswer(200, `{"success":false}`),
	})
	if err := NewClient(ClientConfig{BaseURL: srv.URL, WABAID: "waba", Token: "t"}).DeleteTemplate(context.Background(), "x", ""); err == nil {
		t.Fatal(`{"success":false} was taken as a delete`)
	}
}

func TestCreateTemplateRequest(t *testing.T) {
	f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
		"POST /v23.0/waba/message_templates": jsonAnswer(200, `{"id":1689556908129832,"status":"PENDING","category":"MARKETING"}`),
	})
	c := NewClient(ClientConfig{BaseURL: srv.URL, WABAID: "waba", Token: "t"})
	got, err := c.CreateTemplate(context.Background(), NewTemplate{Name: "promo", Language: "en_US", Category: "UTILITY",
		AllowCategoryChange: true, Components: json.RawMessage(`[ {"type":"BODY", "text":"Hi"} ]`)})
	if err != nil {
		t.Fatal(err)
	}
	if got != (CreatedTemplate{ID: "1689556908129832", Status: "PENDING", Category: "MARKETING"}) {
		t.Fatalf("created %+v", got)
	}
	want := `{"allow_category_change":true,"category":"UTILITY","components":[{"type":"BODY","text":"Hi"}],"language":"en_US","name":"promo"}`
	if f.reqs[0].Body != want {
		t.Fatalf("sent %s\nwant %s", f.reqs[0].Body, want)
	}
}

func TestResumableUploadRequests(t *testing.T) {
	data := []byte("\x89PNG-data")
	cases := []struct {
		name              string
		cfg               ClientConfig
		start, send       string
		query             string
		authKey, authWant string
	}{
		{"cloud api", ClientConfig{AppID: "4242", Token: "tok"}, "POST /v23.0/4242/uploads", "POST /v23.0/upload:MTphYmM",
			"file_length=9&file_name=logo.png&file_type=image%2Fpng", "Authorization", "OAuth tok"},
		{"360dialog", ClientConfig{Provider: Dialog360, APIKey: "key"}, "POST /uploads", "POST /upload:MTphYmM",
			"file_length=9&file_type=image%2Fpng", "D360-API-KEY", "key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, srv := newFake(t, map[string]func(http.ResponseWriter, *http.Request){
				c.start: jsonAnswer(200, `{"id":"upload:MTphYmM"}`),
				c.send:  jsonAnswer(200, `{"h":"4::aW1hZ2UvcG5n:ARZ"}`),
			})
			c.cfg.BaseURL = srv.URL
			h, err := NewClient(c.cfg).ResumableUpload(context.Background(), "logo.png", "image/png", data)
			if err != nil {
				t.Fatal(err)
			}
			if h != "4::aW1hZ2UvcG5n:ARZ" || len(f.reqs) != 2 {
				t.Fatalf("handle %q after %d requests", h, len(f.reqs))
			}
			start, send := f.reqs[0], f.reqs[1]
			if start.RawQuery != c.query || start.Body != "" {
				t.Errorf("session request ?%s with body %q, want ?%s", start.RawQuery, start.Body, c.query)
			}
			if send.Body != string(data) || send.Header.Get("file_offset") != "0" || send.Header.Get("Content-Type") != "application/octet-stream" {
				t.Errorf("data request headers %v, body %q", send.Header, send.Body)
			}
			if got := send.Header.Get(c.authKey); got != c.authWant {
				t.Errorf("data request %s = %q, want %q", c.authKey, got, c.authWant)
			}
			if c.cfg.Provider == CloudAPI && start.Header.Get("Authorization") != "Bearer tok" {
				t.Errorf("session request Authorization = %q", start.Header.Get("Authorization"))
			}
			if c.cfg.Provider == Dialog360 && (send.Header.Get("Authorization") != "" || start.Header.Get("Authorization") != "") {
				t.Error("360dialog requests carry an Authorization header")
			}
		})
	}
}

func TestResumableUploadFailures(t *testing.T) {
	cases := map[string]struct {
		start, send func(http.ResponseWriter, *http.Request)
		apiStatus   int // 0: not an APIError
	}{
		"no session id":   {jsonAnswer(200, `{}`), nil, 0},
		"no handle":       {jsonAnswer(200, `{"id":"upload:X"}`), jsonAnswer(200, `{"id":"upload:X","file_offset":0}`), 0},
		"data refused":    {jsonAnswer(200, `{"id":"upload:X"}`), jsonAnswer(503, `{"error":{"message":"(#2) Service unavailable","code":2,"is_transient":true}}`), 503},
		"session refused": {jsonAnswer(400, `{"error":{"message":"(#100) Invalid parameter","code":100,"error_data":{"details":"file_type"}}}`), nil, 400},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			answers := map[string]func(http.ResponseWriter, *http.Request){"POST /v23.0/1/uploads": c.start}
			if c.send != nil {
				answers["POST /v23.0/upload:X"] = c.send
			}
			_, srv := newFake(t, answers)
			_, err := NewClient(ClientConfig{BaseURL: srv.URL, AppID: "1", Token: "SECRET-9"}).ResumableUpload(context.Background(), "a.pdf", "application/pdf", []byte("%PDF"))
			var ae *APIError
			switch {
			case err == nil:
				t.Fatal("the upload succeeded")
			case c.apiStatus == 0 && errors.As(err, &ae):
				t.Fatalf("err %v is an APIError", err)
			case c.apiStatus != 0 && (!errors.As(err, &ae) || ae.Status != c.apiStatus):
				t.Fatalf("err %v, want an APIError with HTTP %d", err, c.apiStatus)
			}
			if strings.Contains(err.Error(), "SECRET-9") {
				t.Fatalf("error %q shows the token", err)
			}
		})
	}
}
