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
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	cases := []struct {
		body   string
		status int
		want   string
	}{
		{`{"name":"a","n":1}`, 0, ""},
		{`{"name":`, 400, "malformed JSON"},
		{`{"name":"a","x":1}`, 400, `unknown field "x"`},
		{`{"n":"one"}`, 400, `field "n" must be a int`},
		{``, 400, "empty"},
		{`{} {}`, 400, "one JSON object"},
		{`{"name":"` + strings.Repeat("a", MaxJSON) + `"}`, 413, "larger than"},
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		var v in
		err := Decode(httptest.NewRecorder(), r, &v)
		if c.status == 0 {
			if err != nil {
				t.Errorf("%q: %v", c.body, err)
			}
			continue
		}
		p := problem.As(err)
		if p.Status() != c.status || !strings.Contains(p.Message, c.want) {
			t.Errorf("%.30q: got %d %q, want %d containing %q", c.body, p.Status(), p.Message, c.status, c.want)
		}
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

func TestNullable(t *testing.T) {
	var v struct {
		A Nullable `json:"a"`
		B Nullable `json:"b"`
		C Nullable `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"b":"x"}`), &v); err != nil {
		t.Fatal(err)
	}
	if !v.A.Set || !v.A.Null || !v.B.Set || v.B.Value != "x" || v.C.Set {
		t.Fatalf("got %+v", v)
	}
}
