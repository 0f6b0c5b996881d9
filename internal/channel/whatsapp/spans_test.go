package whatsapp

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// checkUnquote compares unquote with encoding/json on a string literal.
func checkUnquote(t *testing.T, v []byte) {
	t.Helper()
	if len(v) == 0 || v[0] != '"' {
		return
	}
	var want string
	wantErr := json.Unmarshal(v, &want)
	got, err := unquote(v)
	if got != want || (err == nil) != (wantErr == nil) {
		t.Fatalf("unquote(%q) = %q, %v; encoding/json: %q, %v", v, got, err, want, wantErr)
	}
}

// FuzzSpans checks the span cutter against encoding/json, which Parse used
// at every level before: for any valid object or array, the keys and value
// bytes must be exactly what a map or []json.RawMessage decode gives, and
// unquote must read each string value as encoding/json does.
func FuzzSpans(f *testing.F) {
	for _, b := range allBodies(f) {
		f.Add(b)
	}
	for _, s := range []string{
		`{}`, `[]`, ` { "a" : 1 , "b":[ ] ,"c":{ } } `, `{"a":1,"a":2}`, `{"a\u0062":"x","\ud83d":1,"é":"\"}"}`,
		`[1, "2", [3], {"4":4}, null, true, false, -1.5e3 ]`, `{"k":"\\","l":"\\\""}`, "{\"\xff\":1}", "[\"\xff\",\"\u00e9\",\"\\u00e9\",\"\\ud83d\"]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = trimJSONSpace(b)
		if !json.Valid(b) || len(b) == 0 {
			return
		}
		switch b[0] {
		case '{':
			var want map[string]json.RawMessage
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			got := splitObject(b)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("splitObject(%q)\n got %q\nwant %q", b, got, want)
			}
			for _, v := range got {
				checkUnquote(t, v)
			}
		case '[':
			var want []json.RawMessage
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			got := splitArray(b)
			if len(got) != len(want) {
				t.Fatalf("splitArray(%q) = %q, want %q", b, got, want)
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("splitArray(%q)[%d] = %q, want %q", b, i, got[i], want[i])
				}
				checkUnquote(t, got[i])
			}
		}
	})
}
