package auth

import (
	"context"
	"errors"
	"time"

	"github.com/alexedwards/argon2id"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// SessionTTL is how long a web session lasts after login.
const SessionTTL = 30 * 24 * time.Hour

var (
	// One message for a wrong email and a wrong password, so a login form can't be used to probe for accounts.
	errWrongLogin = problem.New(problem.Unauthorized, "wrong email or password")
	errNoSession  = problem.New(problem.Unauthorized, "not signed in or the session has expired")
)

// Login checks email and password and opens a session, returning its token
// (for the cookie) and the user.
func (s *Service) Login(ctx context.Context, email, password string) (string, User, error) {
	row, err := s.d.Q.GetUserByEmail(ctx, normEmail(email))
	if err != nil && !errors.Is(store.NotFound(err), store.ErrNotFound) {
		return "", User{}, err
	}
	found := err == nil
	hash := row.PasswordHash
	if !found {
		// Spend the same time as a real check so response times don't reveal which emails exist.
		hash = s.dummyHash()
	}
	ok, err := argon2id.ComparePasswordAndHash(password, hash)
	if err != nil {
		return "", User{}, err
	}
	if !ok || !found {
		return "", User{}, errWrongLogin
	}
	token := randomToken()
	now := s.now()
	err = s.d.Tx(ctx, func(tx *store.Tx) error {
		return tx.Q.CreateSession(ctx, db.CreateSessionParams{
			TokenHash: hashToken(token), UserID: row.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL),
		})
	})
	if err != nil {
		return "", User{}, err
	}
	return token, userFrom(row), nil
}

// SessionUser returns the user signed in with token.
func (s *Service) SessionUser(ctx context.Context, token string) (User, error) {
	if token == "" {
		return User{}, errNoSession
	}
	sess, err := s.d.Q.GetSession(ctx, hashToken(token))
	if err != nil {
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return User{}, errNoSession
		}
		return User{}, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return User{}, errNoSession
	}
	row, err := s.d.Q.GetUserByID(ctx, sess.UserID)
	if err != nil {
		// The user was deleted between the two reads; the cascade takes the session too.
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return User{}, errNoSession
		}
		return User{}, err
	}
	return userFrom(row), nil
}

// Logout ends the session of token; ending an unknown one is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.d.Tx(ctx, func(tx *store.Tx) error { return tx.Q.DeleteSession(ctx, hashToken(token)) })
}

// PurgeExpiredSessions deletes expired sessions and says how many, for a periodic janitor.
func (s *Service) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.d.Tx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.Q.DeleteExpiredSessions(ctx, s.now())
		return err
	})
	return n, err
}
