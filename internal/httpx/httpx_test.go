package httpx

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"charla/internal/problem"
)

func TestDecode(t *testing.T) {
	type in struct {
		Name string   `json:"name"`
		N    int      `json:"n"`
		Tags []string `json:"tags"`
	}
	cases := []struct {
		body   string
		status int
		want   string
		field  string
	}{
		{`{"name":"a","n":1}`, 0, "", ""},
		{`{"name":`, 400, "not valid JSON", ""},
		{`[1]`, 400, "must be a JSON object", ""},
		{``, 400, "empty", ""},
		{`{"name":"` + strings.Repeat("a", MaxJSON) + `"}`, 413, "larger than", ""},
		{`{"name":"a","x":1}`, 422, "", "x"},
		{`{"NAME":"a"}`, 422, "", "NAME"},
		{`{"n":"one"}`, 422, "", "n"},
		{`{"tags":[1]}`, 422, "", "tags"},
		{`{"name":null}`, 422, "", "name"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		var v in
		err := Decode(httptest.NewRecorder(), r, &v)
		if c.status == 0 {
			if err != nil || v.Name != "a" || v.N != 1 {
				t.Errorf("%q: %+v %v", c.body, v, err)
			}
			continue
		}
		p := problem.As(err)
		if p.Status() != c.status || !strings.Contains(p.Message, c.want) || (c.field != "" && p.Fields[c.field] == "") {
			t.Errorf("%.30q: got %d %q %v, want %d containing %q naming %q", c.body, p.Status(), p.Message, p.Fields, c.status, c.want, c.field)
		}
	}
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"name":"a"}`))
	r.Header.Set("Content-Type", "text/plain")
	var v in
	if p := problem.As(Decode(httptest.NewRecorder(), r, &v)); p.Status() != 400 {
		t.Errorf("text/plain body: %d, want 400", p.Status())
	}
}

func TestErrorShape(t *testing.T) {
	w := httptest.NewRecorder()
	Error(w, httptest.NewRequest("GET", "/", nil), problem.Field("email", "is not valid"))
	var body struct {
		Error struct {
			Code    string            `json:"code"`
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusUnprocessableEntity || body.Error.Code != "validation_failed" || body.Error.Fields["email"] != "is not valid" {
		t.Fatalf("got %d %+v", w.Code, body)
	}
	w = httptest.NewRecorder()
	Error(w, httptest.NewRequest("GET", "/", nil), errors.New("pq: password=hunter2"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "hunter2") {
		t.Fatalf("internal error leaked: %d %s", w.Code, w.Body.String())
	}
}
