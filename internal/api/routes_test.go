package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/pb33f/libopenapi"

	"charla/internal/api/spec"
	"charla/internal/core"
)

// notInSpec are routes that are deliberately not API operations.
var notInSpec = map[string]string{
	"GET /openapi.json": "the document itself, served without a token",
}

// TestRoutesMatchSpec fails on any route the spec does not describe and on
// any spec operation that is not routed, comparing path templates exactly
// (parameter names included).
func TestRoutesMatchSpec(t *testing.T) {
	r := chi.NewRouter()
	routes(r, &core.Services{}, defaults)
	routed := map[string]bool{}
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routed[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	doc, err := libopenapi.NewDocument(spec.YAML())
	if err != nil {
		t.Fatal(err)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatal(err)
	}
	specified := map[string]bool{}
	for path, item := range m.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().KeysFromOldest() {
			specified[strings.ToUpper(method)+" "+path] = true
		}
	}
	if len(specified) < 20 {
		t.Fatalf("only %d operations in the spec; the walk is probably broken", len(specified))
	}

	for _, op := range sorted(routed) {
		if !specified[op] && notInSpec[op] == "" {
			t.Errorf("route %s is not in the spec", op)
		}
	}
	for _, op := range sorted(specified) {
		if !routed[op] {
			t.Errorf("spec operation %s is not routed", op)
		}
	}
	for op := range notInSpec {
		if !routed[op] {
			t.Errorf("exempted route %s no longer exists; drop the exemption", op)
		}
	}
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
