package whatsapp

import "testing"

// BenchmarkParse measures the common delivery, one text message, the shape
// `charla bench whatsapp-in` posts (docs/benchmarks.md §4).
func BenchmarkParse(b *testing.B) {
	body := messageEnvelope([]byte(`{"from":"16505551234","id":"wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=","timestamp":"1749416383","type":"text","text":{"body":"Hello, is my order on its way? Merci 👋"}}`))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
