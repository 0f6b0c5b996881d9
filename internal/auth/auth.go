// Package auth owns who may do what in charla: workspaces and their users,
// roles, web sessions, API tokens and teams.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Role is what a user may do in their workspace.
type Role string

const (
	Owner Role = "owner"
	Admin Role = "admin"
	Agent Role = "agent"
)

// Valid tells whether r is one of the known roles.
func (r Role) Valid() bool { return r == Owner || r == Admin || r == Agent }

// ParseRole reads a role as typed by a user (case and surrounding space ignored).
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", problem.Field("role", "must be owner, admin or agent")
	}
	return r, nil
}

// User is a person who signs in to a workspace.
type User struct {
	ID          string
	WorkspaceID string
	Email       string
	Name        string
	Role        Role
	CreatedAt   time.Time
}

// CanManage tells whether u may manage channels, users, teams and settings.
func (u User) CanManage() bool { return u.Role == Owner || u.Role == Admin }

// userFrom converts a row; times are UTC whichever database they came from.
func userFrom(r db.User) User {
	return User{ID: r.ID, WorkspaceID: r.WorkspaceID, Email: r.Email, Name: r.Name, Role: Role(r.Role), CreatedAt: r.CreatedAt.UTC()}
}

// Service implements the auth operations on the database.
type Service struct {
	d *store.DB
	// now is the clock; tests move it to expire sessions.
	now func() time.Time
	// params are the argon2id costs; tests lower them to stay fast.
	params *argon2id.Params

	dummyOnce sync.Once
	dummy     string
}

// New returns a Service on d.
func New(d *store.DB) *Service {
	return &Service{d: d, now: store.Now, params: argon2id.DefaultParams}
}

const (
	maxEmail    = 254
	maxName     = 100
	minPassword = 8
	maxPassword = 256
)

// normEmail is how emails are stored and looked up, so that case never creates a second account.
func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkEmail(f problem.Fields, email string) {
	switch {
	case email == "":
		f.Add("email", "is required")
	case len(email) > maxEmail:
		f.Add("email", "must be at most 254 characters")
	default:
		// Only a bare address is accepted: "Bob <bob@example.com>" parses but isn't one.
		a, err := mail.ParseAddress(email)
		if err != nil || a.Name != "" || a.Address != email {
			f.Add("email", "must be a valid email address")
		}
	}
}

// checkName validates a display name (already trimmed) under field.
func checkName(f problem.Fields, field, name string) {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		f.Add(field, "is required")
	case n > maxName:
		f.Add(field, "must be at most 100 characters")
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		// Names end up in notifications and headers, where control characters do harm.
		f.Add(field, "must not contain control characters")
	}
}

// userName trims name and, when empty, derives one from the email's local part.
func userName(name, email string) string {
	name = strings.TrimSpace(name)
	if name != "" {
		return name
	}
	local, _, _ := strings.Cut(email, "@")
	if r := []rune(local); len(r) > maxName {
		local = string(r[:maxName])
	}
	return local
}

func checkPassword(f problem.Fields, password string) {
	n := utf8.RuneCountInString(password)
	switch {
	case n < minPassword:
		f.Add("password", "must be at least 8 characters")
	case n > maxPassword:
		f.Add("password", "must be at most 256 characters")
	}
}

func (s *Service) hashPassword(password string) (string, error) {
	return argon2id.CreateHash(password, s.params)
}

// dummyHash is a hash of nothing anyone knows, made with the service's own
// parameters so checking a password against it costs as much as a real check.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := argon2id.CreateHash(randomToken(), s.params)
		if err != nil {
			panic("auth: hash dummy password: " + err.Error())
		}
		s.dummy = h
	})
	return s.dummy
}

// newID returns a time-ordered UUIDv7. It can only fail if crypto/rand does,
// which since Go 1.24 aborts the program rather than return an error.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// randomToken is 32 random bytes, base64url without padding (43 characters).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// hashToken is how a token is stored: a leaked table then grants nothing. SHA-256
// suffices (unlike for passwords) because tokens carry 256 bits of randomness.
func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

var errForbiddenManage = problem.New(problem.Forbidden, "only owners and admins can do this")

func requireManager(actor User) error {
	if !actor.CanManage() {
		return errForbiddenManage
	}
	return nil
}

// lockWorkspace serialises changes to a workspace's users within tx, so two
// concurrent demotions can't each see another owner and leave none. SQLite
// transactions already take the single write lock when they begin.
func lockWorkspace(ctx context.Context, tx *store.Tx, workspaceID string) error {
	if tx.Dialect != store.Postgres {
		return nil
	}
	_, err := tx.X.ExecContext(ctx, "SELECT id FROM workspaces WHERE id = $1 FOR UPDATE", workspaceID)
	return err
}

// notFound turns a missing row into a problem naming what, passing other errors through.
func notFound(err error, what string) error {
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return problem.NotFoundf(what)
	}
	return err
}
