package emulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkGraphSend measures accepted sends per second over real HTTP
// (client and server on the same machine), with an unlimited rate:
//
//	go test -run '^$' -bench GraphSend -cpu 2 ./internal/emulator/
func BenchmarkGraphSend(b *testing.B) {
	b.Run("defaults", func(b *testing.B) {
		// Bodies kept, three statuses queued per message (manual mode).
		benchSend(b, Config{AccessToken: testToken, PhoneNumberID: testPhone})
	})
	b.Run("lean", func(b *testing.B) {
		benchSend(b, Config{AccessToken: testToken, PhoneNumberID: testPhone, DiscardBodies: true, Statuses: []string{}})
	})
}

func benchSend(b *testing.B, cfg Config) {
	e := New(cfg)
	defer e.Close()
	e.SetCallback("")
	e.mu.Lock()
	e.windows["16505551234"] = e.cfg.Clock()
	e.mu.Unlock()
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	body := []byte(`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"body":"hello there"},"biz_opaque_callback_data":"x"}`)
	url := srv.URL + "/v23.0/" + testPhone + "/messages"
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequestWithContext(context.Background(), "POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	if e.SentCount() != b.N {
		b.Fatalf("accepted %d of %d", e.SentCount(), b.N)
	}
}
