package whatsapp_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"charla/internal/channel/whatsapp"
	"charla/internal/emulator"
	"charla/internal/problem"
)

func TestBusinessProfileRoundTrip(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			e := newEmuEnv(t, func(c *emulator.Config) { c.Profile = emulator.BusinessProfile{About: "Hello"} })
			c := p.client(e)
			ctx := context.Background()
			want := whatsapp.BusinessProfile{About: "Hello", Vertical: "UNDEFINED", Websites: []string{}}
			wantProfile(t, c, want)

			err := c.UpdateBusinessProfile(ctx, whatsapp.ProfileUpdate{
				About: new("Fine teas since 1902"), Address: new("1 Main St"), Email: new("tea@example.com"),
				Vertical: new("RETAIL"), Websites: &[]string{"https://example.com", "http://tea.example"},
			})
			if err != nil {
				t.Fatal(err)
			}
			want = whatsapp.BusinessProfile{About: "Fine teas since 1902", Address: "1 Main St", Email: "tea@example.com",
				Vertical: "RETAIL", Websites: []string{"https://example.com", "http://tea.example"}}
			wantProfile(t, c, want)

			// Unset fields stay as they are; a set empty one is cleared.
			if err := c.UpdateBusinessProfile(ctx, whatsapp.ProfileUpdate{Description: new("Loose leaf"), Address: new(""), Websites: &[]string{}}); err != nil {
				t.Fatal(err)
			}
			want.Description, want.Address, want.Websites = "Loose leaf", "", []string{}
			wantProfile(t, c, want)
		})
	}
}

func TestUpdateBusinessProfileRefusesAnEmptyUpdate(t *testing.T) {
	e := newEmuEnv(t, nil)
	c := e.cloud()
	if err := c.UpdateBusinessProfile(context.Background(), whatsapp.ProfileUpdate{}); !problem.Is(err, problem.Invalid) {
		t.Fatalf("empty update: %v, want a validation problem", err)
	}
	if n := e.count(""); n != 0 {
		t.Fatalf("%d requests were made", n)
	}
}

func TestResumableUploadHandleSetsProfilePicture(t *testing.T) {
	picture := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			e := newEmuEnv(t, nil)
			c := p.client(e)
			ctx := context.Background()
			handle, err := c.ResumableUpload(ctx, "logo.png", "image/png", picture)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(handle, "4::") {
				t.Fatalf("handle %q", handle)
			}
			if e.count(p.uploadAt(e)) != 1 || e.count(p.uploadDat) != 1 {
				t.Fatalf("requests %v, want one to %s and one to %s…", e.hits, p.uploadAt(e), p.uploadDat)
			}
			if err := c.UpdateBusinessProfile(ctx, whatsapp.ProfileUpdate{ProfilePictureHandle: handle}); err != nil {
				t.Fatal(err)
			}
			got, err := c.BusinessProfile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(got.ProfilePictureURL)
			if err != nil {
				t.Fatalf("profile picture URL %q: %v", got.ProfilePictureURL, err)
			}
			defer resp.Body.Close()
			served, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(served, picture) {
				t.Fatalf("profile picture: HTTP %d, %d bytes, want the uploaded %d", resp.StatusCode, len(served), len(picture))
			}
		})
	}
}

func TestProviderRefusalsAreAPIErrors(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			c := p.client(newEmuEnv(t, nil))
			ctx := context.Background()
			var ae *whatsapp.APIError
			err := c.UpdateBusinessProfile(ctx, whatsapp.ProfileUpdate{ProfilePictureHandle: "4::aW1hZ2UvcG5n:unknown"})
			if !errors.As(err, &ae) || ae.Code != 100 || !strings.Contains(ae.Details, "profile_picture_handle") {
				t.Fatalf("unknown handle: %v, want an APIError about profile_picture_handle", err)
			}
			_, err = c.ResumableUpload(ctx, "notes.txt", "text/plain", []byte("hi"))
			if !errors.As(err, &ae) || ae.Code != 100 || !strings.Contains(ae.Details, "file_type") {
				t.Fatalf("unsupported type: %v, want an APIError about file_type", err)
			}
		})
	}
}

func wantProfile(t *testing.T, c *whatsapp.Client, want whatsapp.BusinessProfile) {
	t.Helper()
	got, err := c.BusinessProfile(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("profile\n got %+v\nwant %+v", got, want)
	}
}
