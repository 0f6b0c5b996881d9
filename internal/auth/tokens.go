package auth

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// TokenPrefix starts every API token, so leaked ones are recognisable (e.g. by secret scanners).
const TokenPrefix = "chr_"

// touchEvery bounds how often a token's last use is recorded: recording every
// request would make each API read a write.
const touchEvery = time.Minute

// Token describes an API token; its plaintext is shown only once, at creation.
type Token struct {
	ID          string
	WorkspaceID string
	UserID      string
	Name        string
	CreatedAt   time.Time
	// LastUsedAt is zero while the token has never been used; it lags by up to a minute.
	LastUsedAt time.Time
}

func tokenFrom(r db.ApiToken) Token {
	t := Token{ID: r.ID, WorkspaceID: r.WorkspaceID, UserID: r.UserID, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
	if r.LastUsedAt.Valid {
		t.LastUsedAt = r.LastUsedAt.Time.UTC()
	}
	return t
}

var errBadToken = problem.New(problem.Unauthorized, "invalid API token")

// CreateToken makes an API token acting as userID and returns its plaintext,
// which is not stored and can't be shown again.
func (s *Service) CreateToken(ctx context.Context, userID, name string) (string, error) {
	name = strings.TrimSpace(name)
	f := problem.Fields{}
	checkName(f, "name", name)
	if err := f.Err(); err != nil {
		return "", err
	}
	plain := TokenPrefix + randomToken()
	err := s.d.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.Q.GetUserByID(ctx, userID)
		if err != nil {
			return notFound(err, "user")
		}
		return tx.Q.CreateAPIToken(ctx, db.CreateAPITokenParams{
			ID: newID(), WorkspaceID: u.WorkspaceID, UserID: u.ID, Name: name,
			TokenHash: hashToken(plain), CreatedAt: s.now(),
		})
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// CreateTokenByEmail is CreateToken for the CLI, which knows users by email.
func (s *Service) CreateTokenByEmail(ctx context.Context, email, name string) (string, error) {
	u, err := s.d.Q.GetUserByEmail(ctx, normEmail(email))
	if err != nil {
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return "", problem.New(problem.NotFound, "no user with email %s", normEmail(email))
		}
		return "", err
	}
	return s.CreateToken(ctx, u.ID, name)
}

// TokenUser returns the user an API token acts as.
func (s *Service) TokenUser(ctx context.Context, plaintext string) (User, error) {
	if !strings.HasPrefix(plaintext, TokenPrefix) {
		return User{}, errBadToken
	}
	tok, err := s.d.Q.GetAPITokenByHash(ctx, hashToken(plaintext))
	if err != nil {
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return User{}, errBadToken
		}
		return User{}, err
	}
	row, err := s.d.Q.GetUserByID(ctx, tok.UserID)
	if err != nil {
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return User{}, errBadToken
		}
		return User{}, err
	}
	if now := s.now(); !tok.LastUsedAt.Valid || now.Sub(tok.LastUsedAt.Time) >= touchEvery {
		// Best effort: failing to record the use must not reject a valid token.
		_ = s.d.Tx(ctx, func(tx *store.Tx) error {
			return tx.Q.TouchAPIToken(ctx, db.TouchAPITokenParams{ID: tok.ID, LastUsedAt: sql.NullTime{Time: now, Valid: true}})
		})
	}
	return userFrom(row), nil
}

// ListTokens returns u's API tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, u User) ([]Token, error) {
	rows, err := s.d.Q.ListAPITokens(ctx, db.ListAPITokensParams{WorkspaceID: u.WorkspaceID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	out := make([]Token, len(rows))
	for i, r := range rows {
		out[i] = tokenFrom(r)
	}
	return out, nil
}

// DeleteToken revokes one of u's API tokens; other users' tokens are not found.
func (s *Service) DeleteToken(ctx context.Context, u User, id string) error {
	return s.d.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.DeleteAPIToken(ctx, db.DeleteAPITokenParams{WorkspaceID: u.WorkspaceID, UserID: u.ID, ID: id})
		if err != nil {
			return err
		}
		if n == 0 {
			return problem.NotFoundf("token")
		}
		return nil
	})
}
