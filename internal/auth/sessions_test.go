package auth

import (
	"context"
	"testing"
	"time"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(d)
		owner := setup(t, s, "Acme", "ann@example.com")

		token, u, err := s.Login(ctx, " ANN@example.com ", testPassword)
		if err != nil || u != owner {
			t.Fatalf("Login = %+v, %v; want %+v", u, err, owner)
		}
		if got, err := s.SessionUser(ctx, token); err != nil || got != owner {
			t.Fatalf("SessionUser = %+v, %v", got, err)
		}
		var stored string
		if err := d.R.QueryRowContext(ctx, "SELECT token_hash FROM sessions").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != hashToken(token) || stored == token {
			t.Fatalf("sessions stores %q; want only the SHA-256 of the token", stored)
		}

		_, _, wrongPassword := s.Login(ctx, "ann@example.com", "not the password")
		wantKind(t, wrongPassword, problem.Unauthorized)
		_, _, unknownEmail := s.Login(ctx, "nobody@example.com", testPassword)
		wantKind(t, unknownEmail, problem.Unauthorized)
		if wrongPassword.Error() != "wrong email or password" || unknownEmail.Error() != wrongPassword.Error() {
			t.Fatalf("messages %q and %q must be the same and not say which was wrong", wrongPassword, unknownEmail)
		}

		for _, bad := range []string{"", "garbage", token + "x"} {
			_, err := s.SessionUser(ctx, bad)
			wantKind(t, err, problem.Unauthorized)
		}
		if err := s.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		_, err = s.SessionUser(ctx, token)
		wantKind(t, err, problem.Unauthorized)
		if err := s.Logout(ctx, token); err != nil {
			t.Fatalf("second logout: %v", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		s, clk := newTestService(d)
		owner := setup(t, s, "Acme", "ann@example.com")
		old, _, err := s.Login(ctx, owner.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		clk.add(29 * 24 * time.Hour)
		fresh, _, err := s.Login(ctx, owner.Email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		clk.add(24*time.Hour - time.Microsecond)
		if _, err := s.SessionUser(ctx, old); err != nil {
			t.Fatalf("a microsecond before 30 days: %v", err)
		}
		if n, err := s.PurgeExpiredSessions(ctx); err != nil || n != 0 {
			t.Fatalf("purge before expiry removed %d, %v", n, err)
		}
		clk.add(time.Microsecond)
		_, err = s.SessionUser(ctx, old)
		wantKind(t, err, problem.Unauthorized)
		if _, err := s.SessionUser(ctx, fresh); err != nil {
			t.Fatalf("a one-day-old session: %v", err)
		}

		clk.add(time.Second)
		if n, err := s.PurgeExpiredSessions(ctx); err != nil || n != 1 {
			t.Fatalf("purge removed %d, %v; want 1", n, err)
		}
		if _, err := s.SessionUser(ctx, fresh); err != nil {
			t.Fatalf("purge took a live session: %v", err)
		}
	})
}
