package templates

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func imageSubmission() Submission {
	s := validSubmission()
	s.Name = "new_arrivals"
	s.Header = &SubmissionHeader{Format: "IMAGE", File: &SampleFile{Filename: "shoes.jpg", MimeType: "application/octet-stream", Data: jpegData}}
	return s
}

func TestSubmit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		got, err := e.svc.Submit(ctx, "w1", e.ch.ID, imageSubmission())
		if err != nil {
			t.Fatal(err)
		}
		// The sample went up with the type its bytes show, and its handle
		// went into the create call.
		if len(e.fake.uploads) != 1 || e.fake.uploads[0] != "shoes.jpg image/jpeg 75" {
			t.Fatalf("uploads: %v", e.fake.uploads)
		}
		if len(e.fake.created) != 1 || e.fake.created[0].Header.Handle != "4::handle-shoes.jpg" {
			t.Fatalf("created: %+v", e.fake.created)
		}
		if got.Status != StatusPending || got.Category != CategoryMarketing || got.ProviderID != "p9001" ||
			got.Name != "new_arrivals" || got.Language != "en_US" || got.ID == "" || got.SyncedAt.IsZero() {
			t.Fatalf("stored: %+v", got)
		}
		h := got.Component("HEADER")
		if h == nil || h.Format != "IMAGE" || h.Example.HeaderHandle[0] != "4::handle-shoes.jpg" || got.BodyText() != validSubmission().Body.Text {
			t.Fatalf("stored components: %+v", got.Components)
		}
		if again, err := e.svc.Get(ctx, "w1", got.ID); err != nil || again.ID != got.ID {
			t.Fatalf("Get: %+v %v", again, err)
		}
		if _, err := e.svc.Get(ctx, "w2", got.ID); !problem.Is(err, problem.NotFound) {
			t.Fatalf("Get from another workspace: %v", err)
		}

		// A later sync finds it at the provider: same row, nothing deleted.
		res := e.sync(t)
		if res.Added != 0 || res.Deleted != 0 {
			t.Fatalf("sync after submit: %+v", res)
		}
		if r := e.list(t, Filter{})["new_arrivals/en_US"]; r.ID != got.ID {
			t.Fatalf("the sync replaced the submitted row: %+v", r)
		}

		// The same name and language again is refused here.
		_, err = e.svc.Submit(ctx, "w1", e.ch.ID, imageSubmission())
		if !strings.Contains(problem.As(err).Fields["name"], "already has a template new_arrivals in en_US") {
			t.Fatalf("duplicate: %v", err)
		}
		if e.fake.count("create") != 1 || e.fake.count("upload") != 1 {
			t.Fatalf("a duplicate reached the provider: %v", e.fake.calls)
		}
		// Another language of the same name is a new template.
		es := validSubmission()
		es.Name, es.Language = "new_arrivals", "es"
		if _, err := e.svc.Submit(ctx, "w1", e.ch.ID, es); err != nil {
			t.Fatal(err)
		}
		if e.fake.count("upload") != 1 {
			t.Fatal("a text header uploaded a sample")
		}
	})
}

func TestSubmitFailuresReachNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		bad := imageSubmission()
		bad.Body.Samples = nil
		bad.Buttons[2].PhoneNumber = "555"
		_, err := e.svc.Submit(ctx, "w1", e.ch.ID, bad)
		f := problem.As(err).Fields
		if f["body.samples[0]"] == "" || f["buttons[2].phone_number"] == "" {
			t.Fatalf("validation: %v", err)
		}
		wrongFile := imageSubmission()
		wrongFile.Header.File.Data = []byte("GIF89a not allowed")
		_, err = e.svc.Submit(ctx, "w1", e.ch.ID, wrongFile)
		if problem.As(err).Fields["header.sample"] == "" {
			t.Fatalf("a GIF sample: %v", err)
		}
		plain := e.channel(t, "w1", "plain")
		_, err = e.svc.Submit(ctx, "w1", plain.ID, imageSubmission())
		wantKind(t, err, problem.Conflict, "submit on a channel without templates")
		_, err = e.svc.Submit(ctx, "w2", e.ch.ID, imageSubmission())
		wantKind(t, err, problem.NotFound, "submit on another workspace's channel")
		if len(e.fake.calls) != 0 {
			t.Fatalf("the provider was called: %v", e.fake.calls)
		}

		// The provider refuses the upload: nothing is created or stored.
		e.fake.uploadErr = errors.New("upload refused")
		if _, err := e.svc.Submit(ctx, "w1", e.ch.ID, imageSubmission()); !errors.Is(err, e.fake.uploadErr) {
			t.Fatalf("upload error: %v", err)
		}
		if e.fake.count("create") != 0 {
			t.Fatal("created without a sample")
		}
		// The provider refuses the template: nothing is stored.
		e.fake.uploadErr = nil
		e.fake.createErr = problem.New(problem.Invalid, "WhatsApp error 100: Invalid parameter")
		if _, err := e.svc.Submit(ctx, "w1", e.ch.ID, imageSubmission()); !errors.Is(err, e.fake.createErr) {
			t.Fatalf("create error: %v", err)
		}
		if got := e.list(t, Filter{}); len(got) != 0 {
			t.Fatalf("stored after a refusal: %v", got)
		}
	})
}

func TestSubmitAuthentication(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		e := setup(t, d, -1)
		got, err := e.svc.Submit(context.Background(), "w1", e.ch.ID, authSubmission())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := json.Marshal(e.fake.created[0].CreateRequest())
		want := `{"name":"login_code","language":"en","category":"AUTHENTICATION","components":[
			{"type":"BODY","add_security_recommendation":true},{"type":"FOOTER","code_expiration_minutes":10},
			{"type":"BUTTONS","buttons":[{"type":"OTP","otp_type":"COPY_CODE","text":"Copy code"}]}]}`
		if !jsonSame(t, req, []byte(want)) {
			t.Fatalf("create request:\n got %s\nwant %s", req, want)
		}
		if got.Category != CategoryAuthentication || e.fake.count("upload") != 0 {
			t.Fatalf("stored %+v, calls %v", got, e.fake.calls)
		}
	})
}

func TestDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		e := setup(t, d, -1)
		noID := remote("legacy", "en", "APPROVED", "L")
		noID.ProviderID = ""
		e.fake.set(e.ch.ID, []Remote{remote("promo", "en_US", "APPROVED", "Sale"), remote("promo", "es", "APPROVED", "Oferta"),
			noID, remote("legacy", "es", "APPROVED", "L")})
		e.sync(t)
		before := e.list(t, Filter{})

		// A provider refusal changes nothing here.
		e.fake.deleteErr = problem.New(problem.Conflict, "WhatsApp error 100: template is in use")
		if err := e.svc.Delete(ctx, "w1", before["promo/en_US"].ID); !errors.Is(err, e.fake.deleteErr) {
			t.Fatalf("provider refusal: %v", err)
		}
		if s := e.list(t, Filter{})["promo/en_US"].Status; s != StatusApproved {
			t.Fatalf("status %s after a refused delete", s)
		}

		e.fake.deleteErr = nil
		if err := e.svc.Delete(ctx, "w1", before["promo/en_US"].ID); err != nil {
			t.Fatal(err)
		}
		if got := e.fake.deleted; len(got) != 1 || got[0] != "promo id-promo-en_US" {
			t.Fatalf("provider deletes: %v", got)
		}
		after := e.list(t, Filter{})
		if after["promo/en_US"].Status != StatusDeleted || after["promo/es"].Status != StatusApproved {
			t.Fatalf("after delete: en_US %s, es %s", after["promo/en_US"].Status, after["promo/es"].Status)
		}
		err := e.svc.Delete(ctx, "w1", before["promo/en_US"].ID)
		wantKind(t, err, problem.Conflict, "delete twice")

		// Without a provider id only the whole name can go, every language.
		if err := e.svc.Delete(ctx, "w1", before["legacy/en"].ID); err != nil {
			t.Fatal(err)
		}
		after = e.list(t, Filter{})
		if e.fake.deleted[1] != "legacy " || after["legacy/en"].Status != StatusDeleted || after["legacy/es"].Status != StatusDeleted {
			t.Fatalf("delete by name: %v, %s %s", e.fake.deleted, after["legacy/en"].Status, after["legacy/es"].Status)
		}
		wantKind(t, e.svc.Delete(ctx, "w2", before["promo/es"].ID), problem.NotFound, "delete from another workspace")
		if e.fake.count("delete") != 3 {
			t.Fatalf("%d provider deletes, want 3", e.fake.count("delete"))
		}
	})
}
