package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(d)
		owner := setup(t, s, "Acme", "owner@example.com")
		agent := createUser(t, s, owner, "agent@example.com", Agent)

		plain, err := s.CreateToken(ctx, owner.ID, "ci")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plain, "chr_") || len(plain) != len("chr_")+43 {
			t.Fatalf("token %q: want chr_ and 43 base64url characters", plain)
		}
		// Nothing in the table may reveal the token.
		var id, name, hash string
		if err := d.R.QueryRowContext(ctx, "SELECT id, name, token_hash FROM api_tokens").Scan(&id, &name, &hash); err != nil {
			t.Fatal(err)
		}
		if hash != hashToken(plain) || strings.Contains(id+name+hash, plain[4:]) {
			t.Fatalf("api_tokens row (%q, %q, %q) must hold only the SHA-256 of %q", id, name, hash, plain)
		}

		start := clk.now()
		if u, err := s.TokenUser(ctx, plain); err != nil || u != owner {
			t.Fatalf("TokenUser = %+v, %v", u, err)
		}
		lastUsed := func() time.Time {
			t.Helper()
			toks, err := s.ListTokens(ctx, owner)
			if err != nil || len(toks) != 1 {
				t.Fatalf("ListTokens = %v, %v", toks, err)
			}
			return toks[0].LastUsedAt
		}
		if got := lastUsed(); !got.Equal(start) {
			t.Fatalf("last used %v, want %v", got, start)
		}
		clk.add(59 * time.Second)
		if _, err := s.TokenUser(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(start) {
			t.Fatalf("last used moved to %v within a minute", got)
		}
		clk.add(time.Second)
		if _, err := s.TokenUser(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(clk.now()) {
			t.Fatalf("last used %v after a minute, want %v", got, clk.now())
		}

		for _, bad := range []string{"", plain[4:], "chr_" + strings.Repeat("A", 43), plain + "A"} {
			_, err := s.TokenUser(ctx, bad)
			wantKind(t, err, problem.Unauthorized)
		}

		// The CLI path, by email.
		agentToken, err := s.CreateTokenByEmail(ctx, " Agent@Example.com", "cli")
		if err != nil {
			t.Fatal(err)
		}
		if u, err := s.TokenUser(ctx, agentToken); err != nil || u.ID != agent.ID {
			t.Fatalf("TokenUser(agent's token) = %+v, %v", u, err)
		}
		_, err = s.CreateTokenByEmail(ctx, "nobody@example.com", "cli")
		wantKind(t, err, problem.NotFound)
		_, err = s.CreateToken(ctx, "no-such-user", "cli")
		wantKind(t, err, problem.NotFound)

		// Only the owner of a token can delete it.
		toks, err := s.ListTokens(ctx, owner)
		if err != nil || len(toks) != 1 || toks[0].Name != "ci" || toks[0].UserID != owner.ID {
			t.Fatalf("owner's tokens = %+v, %v", toks, err)
		}
		wantKind(t, s.DeleteToken(ctx, agent, toks[0].ID), problem.NotFound)
		if err := s.DeleteToken(ctx, owner, toks[0].ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.TokenUser(ctx, plain)
		wantKind(t, err, problem.Unauthorized)
		wantKind(t, s.DeleteToken(ctx, owner, toks[0].ID), problem.NotFound)

		// Deleting a user revokes their tokens.
		if err := s.DeleteUser(ctx, owner, agent.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.TokenUser(ctx, agentToken)
		wantKind(t, err, problem.Unauthorized)
	})
}
