package whatsapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"charla/internal/channel/whatsapp"
	"charla/internal/emulator"
)

func TestListTemplatesReadsEveryPage(t *testing.T) {
	const seeded = 230 // with hello_world, three pages of 100
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			e := newEmuEnv(t, func(c *emulator.Config) {
				for i := range seeded {
					c.Templates = append(c.Templates, emulator.Template{
						Name: fmt.Sprintf("notice_%03d", i), Language: "en_US", Category: "UTILITY",
						Components: json.RawMessage(fmt.Sprintf(`[{"type":"BODY","text":"Notice %d"}]`, i)),
					})
				}
			})
			got, err := p.client(e).ListTemplates(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := e.emu.Templates()
			if len(got) != seeded+1 || len(got) != len(want) {
				t.Fatalf("listed %d templates, want %d", len(got), seeded+1)
			}
			for i, r := range got {
				w := want[i]
				if r.ID != w.ID || r.Name != w.Name || r.Language != w.Language || r.Status != "APPROVED" || r.Category != w.Category {
					t.Fatalf("template %d = %+v, want %+v", i, r, w)
				}
				if !sameJSON(r.Components, w.Components) {
					t.Fatalf("template %d components %s, want %s", i, r.Components, w.Components)
				}
			}
			if pages := e.count(p.listCall(e)); pages != 3 {
				t.Fatalf("%d list requests, want 3 pages", pages)
			}
		})
	}
}

func TestTemplateCreateListDelete(t *testing.T) {
	body := json.RawMessage(`[{"type":"BODY","text":"Your order {{1}} is on its way.","example":{"body_text":[["#123"]]}}]`)
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			e := newEmuEnv(t, nil)
			c := p.client(e)
			ctx := context.Background()
			en, err := c.CreateTemplate(ctx, whatsapp.NewTemplate{Name: "order_update", Language: "en_US", Category: "UTILITY", AllowCategoryChange: true, Components: body})
			if err != nil {
				t.Fatal(err)
			}
			if en.ID == "" || en.Status != "PENDING" || en.Category != "UTILITY" {
				t.Fatalf("created %+v", en)
			}
			es, err := c.CreateTemplate(ctx, whatsapp.NewTemplate{Name: "order_update", Language: "es", Category: "UTILITY", Components: body})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateTemplate(ctx, whatsapp.NewTemplate{Name: "reject_promo", Language: "en_US", Category: "MARKETING", Components: body}); err != nil {
				t.Fatal(err)
			}
			list := byName(t, c)
			if r := list["order_update/en_US"]; r.ID != en.ID || r.Status != "APPROVED" || !sameJSON(r.Components, body) {
				t.Fatalf("order_update en_US listed as %+v", r)
			}
			if r := list["reject_promo/en_US"]; r.Status != "REJECTED" || r.RejectedReason != "INVALID_FORMAT" {
				t.Fatalf("reject_promo listed as %+v", r)
			}

			// Deleting by id removes one language only.
			if err := c.DeleteTemplate(ctx, "order_update", es.ID); err != nil {
				t.Fatal(err)
			}
			list = byName(t, c)
			if _, ok := list["order_update/es"]; ok {
				t.Fatal("order_update es survived its delete")
			}
			if _, ok := list["order_update/en_US"]; !ok {
				t.Fatal("deleting the es template also deleted en_US")
			}
			// By name alone, every language goes.
			if err := c.DeleteTemplate(ctx, "order_update", ""); err != nil {
				t.Fatal(err)
			}
			if _, ok := byName(t, c)["order_update/en_US"]; ok {
				t.Fatal("order_update survived its delete")
			}
			var ae *whatsapp.APIError
			if err := c.DeleteTemplate(ctx, "order_update", ""); !errors.As(err, &ae) || ae.Code != 100 {
				t.Fatalf("deleting a missing template: %v, want an APIError with code 100", err)
			}
		})
	}
}

func TestCreateTemplateRefusalIsAPIError(t *testing.T) {
	body := json.RawMessage(`[{"type":"BODY","text":"Hello"}]`)
	_, wantPlain, _ := whatsapp.ErrorInfo(100)
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			c := p.client(newEmuEnv(t, nil))
			ctx := context.Background()
			cases := map[string]struct {
				tmpl    whatsapp.NewTemplate
				details string
			}{
				"bad name":  {whatsapp.NewTemplate{Name: "Order-Update", Language: "en_US", Category: "UTILITY", Components: body}, "lowercase"},
				"duplicate": {whatsapp.NewTemplate{Name: "hello_world", Language: "en_US", Category: "UTILITY", Components: body}, "already exists"},
				"category":  {whatsapp.NewTemplate{Name: "x", Language: "en_US", Category: "PROMO", Components: body}, "category"},
			}
			for name, tc := range cases {
				_, err := c.CreateTemplate(ctx, tc.tmpl)
				var ae *whatsapp.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("%s: %v, want an APIError", name, err)
				}
				if ae.Status != http.StatusBadRequest || ae.Code != 100 || !strings.Contains(ae.Details, tc.details) || ae.Plain() != wantPlain || ae.Retryable() {
					t.Fatalf("%s: %+v (plain %q)", name, ae, ae.Plain())
				}
			}
		})
	}
}

func TestCreateTemplateChecksFieldsFirst(t *testing.T) {
	for _, p := range providers {
		t.Run(p.name, func(t *testing.T) {
			e := newEmuEnv(t, nil)
			c := p.client(e)
			_, err := c.CreateTemplate(context.Background(), whatsapp.NewTemplate{Name: " ", Components: json.RawMessage(`{"type":"BODY"}`)})
			wantFields(t, err, "name", "language", "category", "components")
			_, err = c.CreateTemplate(context.Background(), whatsapp.NewTemplate{Name: "a", Language: "en", Category: "UTILITY", Components: json.RawMessage(`[]`)})
			wantFields(t, err, "components")
			wantFields(t, c.DeleteTemplate(context.Background(), "", "1"), "name")
			if n := e.count(""); n != 0 {
				t.Fatalf("%d requests were made", n)
			}
		})
	}
}

// byName lists c's templates keyed by name/language.
func byName(t *testing.T, c *whatsapp.Client) map[string]whatsapp.TemplateRecord {
	t.Helper()
	list, err := c.ListTemplates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]whatsapp.TemplateRecord{}
	for _, r := range list {
		out[r.Name+"/"+r.Language] = r
	}
	return out
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
