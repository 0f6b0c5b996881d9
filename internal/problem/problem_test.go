package problem

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestKindsMapToStatus(t *testing.T) {
	cases := []struct {
		err    error
		status int
		code   string
	}{
		{NotFoundf("contact"), http.StatusNotFound, "not_found"},
		{Field("email", "is not an email address"), http.StatusUnprocessableEntity, "validation_failed"},
		{New(Forbidden, "only owners and admins can do that"), http.StatusForbidden, "forbidden"},
		{fmt.Errorf("wrapped: %w", New(Conflict, "taken")), http.StatusConflict, "conflict"},
		{errors.New("db exploded"), http.StatusInternalServerError, "internal_error"},
	}
	for _, c := range cases {
		p := As(c.err)
		if p.Status() != c.status || p.Code() != c.code {
			t.Errorf("%v: got %d %s, want %d %s", c.err, p.Status(), p.Code(), c.status, c.code)
		}
	}
	if As(errors.New("secret detail")).Message == "secret detail" {
		t.Error("an internal error's message leaked")
	}
}

func TestFields(t *testing.T) {
	f := Fields{}
	if f.Err() != nil {
		t.Fatal("no fields must be no error")
	}
	f.Add("email", "first")
	f.Add("email", "second")
	f.Add("name", "required")
	err := f.Err()
	if !Is(err, Invalid) || As(err).Fields["email"] != "first" {
		t.Fatalf("got %v", err)
	}
	if err.Error() != "some fields are invalid (email: first; name: required)" {
		t.Fatalf("message %q", err.Error())
	}
}
