package wa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

// The business profile is read from the provider once and kept; an edit is
// validated before anything is sent, sent whole, and stored as the provider
// then reports it; a refused edit changes nothing.
func TestBusinessProfileThroughTheProvider(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		first, err := e.s.Profiles.Get(ctx, ws, e.ch.ID)
		if err != nil {
			t.Fatal(err)
		}
		if first.Profile.About != e.emu.Profile().About || first.SyncedAt.IsZero() {
			t.Fatalf("first read = %+v, want the emulator's profile (about %q) with a sync time", first, e.emu.Profile().About)
		}

		next := first.Profile
		next.About = "Pedidos até as 22h"
		next.Websites = []string{"https://loja.example.com"}
		next.Vertical = "RETAIL"
		saved, err := e.s.Profiles.Update(ctx, ws, e.ch.ID, next)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.emu.Profile(); got.About != next.About || got.Vertical != "RETAIL" || len(got.Websites) != 1 {
			t.Fatalf("emulator profile = %+v, want the edit", got)
		}
		if saved.Profile.About != next.About {
			t.Fatalf("stored = %+v, want the edit", saved.Profile)
		}

		// A rule broken: 422 naming the field, nothing sent.
		bad := saved.Profile
		bad.About = strings.Repeat("a", 140)
		bad.Vertical = ""
		_, err = e.s.Profiles.Update(ctx, ws, e.ch.ID, bad)
		if f := problem.As(err).Fields; f["about"] == "" || f["vertical"] == "" {
			t.Fatalf("invalid edit: err = %v, want field errors on about and vertical", err)
		}
		if e.emu.Profile().About != next.About {
			t.Fatal("an invalid edit reached the provider")
		}

		// The provider refusing (here: a revoked token) leaves the stored
		// profile as it was.
		if _, err := e.s.Channels.Update(ctx, ws, e.ch.ID, nil, nil, map[string]string{"access_token": "revoked"}); err != nil {
			t.Fatal(err)
		}
		refused := saved.Profile
		refused.About = "never stored"
		if _, err := e.s.Profiles.Update(ctx, ws, e.ch.ID, refused); err == nil || !strings.Contains(err.Error(), "190") {
			t.Fatalf("update with a revoked token: err = %v, want the provider's code 190", err)
		}
		kept, err := e.s.Profiles.Get(ctx, ws, e.ch.ID)
		if err != nil {
			t.Fatal(err)
		}
		if kept.Profile.About != next.About {
			t.Fatalf("after a refused update the stored about = %q, want %q", kept.Profile.About, next.About)
		}
	})
}

// A profile photo goes through the resumable upload, which the Cloud API
// addresses to the Meta app: without its id the admin is told what to set.
func TestBusinessProfilePhoto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := newEnv(t, d, nil)
		ctx := context.Background()
		ws := e.owner.WorkspaceID
		img := image.NewRGBA(image.Rect(0, 0, 800, 600))
		for i := range img.Pix {
			img.Pix[i] = 200
		}
		img.Set(400, 300, color.RGBA{255, 0, 0, 255})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if _, err := e.s.Profiles.SetPhoto(ctx, ws, e.ch.ID, bytes.NewReader(buf.Bytes())); err == nil || !strings.Contains(err.Error(), "app") {
			t.Fatalf("photo without an app id: err = %v, want it to ask for the Meta app id", err)
		}
		c := e.emu.Config()
		settings := json.RawMessage(fmt.Sprintf(`{"phone_number_id":%q,"waba_id":%q,"graph_url":%q,"app_id":"1234567890"}`, c.PhoneNumberID, c.WABAID, e.emuURL))
		if _, err := e.s.Channels.Update(ctx, ws, e.ch.ID, nil, settings, nil); err != nil {
			t.Fatal(err)
		}
		got, err := e.s.Profiles.SetPhoto(ctx, ws, e.ch.ID, bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if got.Profile.PictureURL == "" {
			t.Fatal("no picture URL after setting the photo")
		}
		_, err = e.s.Profiles.SetPhoto(ctx, ws, e.ch.ID, strings.NewReader("GIF89a not a photo"))
		if f := problem.As(err).Fields; f["photo"] == "" {
			t.Fatalf("a GIF: err = %v, want a field error on photo", err)
		}
	})
}
