package contacts_test

import (
	"context"
	"testing"
	"time"

	"charla/internal/contacts"
	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/storetest"
)

func TestSavedSegments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, d *store.DB) {
		ctx := context.Background()
		a := newAudience(t, d)
		s := a.s
		name := func(n string) *string { return &n }
		yes := true
		from := time.Date(2024, 2, 1, 0, 0, 0, 0, time.FixedZone("BRT", -3*3600))
		vip := contacts.Filter{Tags: &contacts.TagCondition{Mode: "any", Tags: []string{"vip"}}, CreatedFrom: &from, Subscribed: &yes}

		sg, err := s.CreateSegment(ctx, "w1", contacts.SegmentInput{Name: name("  VIP buyers "), Filter: &vip})
		if err != nil {
			t.Fatal(err)
		}
		if sg.Name != "VIP buyers" || sg.Filter.Tags == nil || sg.Filter.Tags.Tags[0] != "vip" || !sg.Filter.CreatedFrom.Equal(from) || !*sg.Filter.Subscribed {
			t.Fatalf("saved %+v", sg)
		}
		// The saved filter counts like the filter itself: Carla is a VIP since March, but opted out.
		if n, err := s.Count(ctx, "w1", sg.Filter); err != nil || n != 0 {
			t.Fatalf("count %d %v", n, err)
		}
		_, err = s.CreateSegment(ctx, "w1", contacts.SegmentInput{Name: name("VIP buyers")})
		if p := problem.As(err); p.Kind != problem.Conflict || p.Fields["name"] == "" {
			t.Fatalf("duplicate name: %v", err)
		}
		if _, err := s.CreateSegment(ctx, "w2", contacts.SegmentInput{Name: name("VIP buyers")}); err != nil {
			t.Fatalf("the same name in another workspace: %v", err)
		}
		everyone, err := s.CreateSegment(ctx, "w1", contacts.SegmentInput{Name: name("Everyone")})
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Count(ctx, "w1", everyone.Filter); n != 5 {
			t.Fatalf("a segment without a filter counts %d of 5", n)
		}
		_, err = s.CreateSegment(ctx, "w1", contacts.SegmentInput{Name: name(" "),
			Filter: &contacts.Filter{Tags: &contacts.TagCondition{Mode: "most"}, LastInbound: &contacts.Age{Within: "soon"}}})
		p := problem.As(err)
		if p.Kind != problem.Invalid || p.Fields["name"] == "" || p.Fields["filter.tags.mode"] == "" ||
			p.Fields["filter.tags.tags"] == "" || p.Fields["filter.last_inbound.within"] == "" {
			t.Fatalf("validation: %v", err)
		}

		list, err := s.ListSegments(ctx, "w1")
		if err != nil || len(list) != 2 || list[0].Name != "Everyone" || list[1].Name != "VIP buyers" {
			t.Fatalf("list %+v %v", list, err)
		}

		// A rename keeps the filter; a new filter keeps the name.
		sg, err = s.UpdateSegment(ctx, "w1", sg.ID, contacts.SegmentInput{Name: name("VIPs")})
		if err != nil || sg.Name != "VIPs" || sg.Filter.Tags == nil {
			t.Fatalf("rename: %+v %v", sg, err)
		}
		sg, err = s.UpdateSegment(ctx, "w1", sg.ID, contacts.SegmentInput{Filter: &contacts.Filter{Channel: "chA"}})
		if err != nil || sg.Name != "VIPs" || sg.Filter.Tags != nil || sg.Filter.Channel != "chA" {
			t.Fatalf("refilter: %+v %v", sg, err)
		}
		if _, err := s.UpdateSegment(ctx, "w1", sg.ID, contacts.SegmentInput{Name: name("Everyone")}); !problem.Is(err, problem.Conflict) {
			t.Fatalf("rename onto another segment: %v", err)
		}
		_, err = s.UpdateSegment(ctx, "w1", sg.ID, contacts.SegmentInput{Filter: &contacts.Filter{Attributes: []contacts.AttrCondition{{Key: "x", Op: "?"}}}})
		if problem.As(err).Fields["filter.attributes[0].op"] == "" {
			t.Fatalf("update validation: %v", err)
		}

		for what, err := range map[string]error{
			"get": func() error { _, err := s.GetSegment(ctx, "w2", sg.ID); return err }(),
			"update": func() error {
				_, err := s.UpdateSegment(ctx, "w2", sg.ID, contacts.SegmentInput{Name: name("x")})
				return err
			}(),
			"delete": s.DeleteSegment(ctx, "w2", sg.ID),
		} {
			if !problem.Is(err, problem.NotFound) {
				t.Errorf("%s from another workspace: %v", what, err)
			}
		}
		if err := s.DeleteSegment(ctx, "w1", sg.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetSegment(ctx, "w1", sg.ID); !problem.Is(err, problem.NotFound) {
			t.Fatalf("after delete: %v", err)
		}
		if err := s.DeleteSegment(ctx, "w1", sg.ID); !problem.Is(err, problem.NotFound) {
			t.Fatalf("second delete: %v", err)
		}
	})
}
