package contacts_test

import (
	"context"
	"strings"
	"testing"

	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestUnsubscribeAndResubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		a := newAudience(t, d)
		s, bo := a.s, a.ids["Bo"]
		if ok, err := s.IsSubscribed(ctx, "w1", bo); err != nil || !ok {
			t.Fatalf("a new contact is subscribed: %v %v", ok, err)
		}
		// A STOP arrives inside the inbound message's transaction.
		var first, again bool
		err := d.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if first, err = s.UnsubscribeTx(ctx, tx, "w1", bo, "STOP", contacts.OptOutKeyword); err != nil {
				return err
			}
			again, err = s.UnsubscribeTx(ctx, tx, "w1", bo, "second STOP", contacts.OptOutQuickReply)
			return err
		})
		if err != nil || !first || again {
			t.Fatalf("unsubscribe reported %v then %v (%v): only the first changes anything", first, again, err)
		}
		o, err := s.OptOutOf(ctx, "w1", bo)
		if err != nil || o == nil || o.Reason != "STOP" || o.Source != contacts.OptOutKeyword || o.At.IsZero() {
			t.Fatalf("opt-out %+v %v: the first record stays", o, err)
		}
		if ok, _ := s.IsSubscribed(ctx, "w1", bo); ok {
			t.Fatal("still subscribed after STOP")
		}
		if err := s.Resubscribe(ctx, "w1", bo); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.IsSubscribed(ctx, "w1", bo); !ok {
			t.Fatal("not subscribed after an agent re-subscribed")
		}
		if o, err := s.OptOutOf(ctx, "w1", bo); o != nil || err != nil {
			t.Fatalf("opt-out left after re-subscribing: %+v %v", o, err)
		}
		if err := s.Resubscribe(ctx, "w1", bo); err != nil {
			t.Fatalf("re-subscribing a subscribed contact: %v", err)
		}

		err = s.Unsubscribe(ctx, "w1", bo, strings.Repeat("x", 501), "carrier pigeon")
		if p := problem.As(err); p.Fields["reason"] == "" || p.Fields["source"] == "" {
			t.Fatalf("validation: %v", err)
		}
		zed := a.ids["Zed"]
		for what, err := range map[string]error{
			"unsubscribe": s.Unsubscribe(ctx, "w1", zed, "", contacts.OptOutAgent),
			"resubscribe": s.Resubscribe(ctx, "w1", zed),
			"status":      func() error { _, err := s.IsSubscribed(ctx, "w1", zed); return err }(),
			"unknown":     s.Unsubscribe(ctx, "w1", "no-such-contact", "", contacts.OptOutAgent),
		} {
			if !problem.Is(err, problem.NotFound) {
				t.Errorf("%s of another workspace's contact: %v", what, err)
			}
		}
		if ok, _ := s.IsSubscribed(ctx, "w2", zed); !ok {
			t.Fatal("a refused opt-out changed the contact")
		}
	})
}
