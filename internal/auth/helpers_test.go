package auth

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"charla/internal/problem"
	"charla/internal/store"
)

const testPassword = "correct horse battery"

// clock is a settable time source for Service.now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestService returns a Service with cheap hashing and a fake clock, so
// tests that hash many passwords stay fast under -race.
func newTestService(d *store.DB) (*Service, *clock) {
	s := New(d)
	s.params = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	c := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s.now = c.now
	return s, c
}

func setup(t *testing.T, s *Service, workspace, email string) User {
	t.Helper()
	u, err := s.Setup(context.Background(), workspace, email, "", testPassword)
	if err != nil {
		t.Fatalf("Setup %s: %v", email, err)
	}
	return u
}

func createUser(t *testing.T, s *Service, actor User, email string, role Role) User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), actor, email, "", testPassword, role)
	if err != nil {
		t.Fatalf("CreateUser %s: %v", email, err)
	}
	return u
}

// wantKind fails unless err is a problem of kind k.
func wantKind(t *testing.T, err error, k problem.Kind) {
	t.Helper()
	if !problem.Is(err, k) {
		t.Fatalf("got error %v (kind %v), want kind %v", err, problem.As(err).Kind, k)
	}
}

// wantFields fails unless err is a 422 naming exactly fields.
func wantFields(t *testing.T, err error, fields ...string) {
	t.Helper()
	var pe *problem.Error
	if !errors.As(err, &pe) || pe.Kind != problem.Invalid {
		t.Fatalf("got %v, want invalid fields %v", err, fields)
	}
	var got []string
	for f := range pe.Fields {
		got = append(got, f)
	}
	slices.Sort(got)
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		t.Fatalf("invalid fields %v (%v), want %v", got, pe.Fields, fields)
	}
}

func ids(users []User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}
