package emulator

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"charla/internal/channel/whatsapp"
)

// inbound sends spec as the customer and returns the single parsed message.
func inbound(t *testing.T, f *fixture, spec InboundSpec) (string, whatsapp.Message) {
	t.Helper()
	before := len(f.hook.all())
	id, err := f.emu.CustomerSends(context.Background(), "+1 650 555 1234", "Ana Souza", spec)
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.hook.all()
	if len(reqs) != before+1 {
		t.Fatalf("callback got %d requests", len(reqs)-before)
	}
	r := reqs[before]
	if !whatsapp.VerifySignature(r.body, r.sig, testSecret) {
		t.Fatalf("signature %q does not verify", r.sig)
	}
	b, err := whatsapp.Parse(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 1 || b.Len() != 1 {
		t.Fatalf("batch %+v", b)
	}
	m := b.Messages[0]
	if m.ID != id || m.From != "16505551234" || m.ProfileName != "Ana Souza" || m.PhoneNumberID != testPhone ||
		m.DisplayPhoneNumber != "15550783881" || m.WABAID != "waba-1" || !m.Timestamp.Equal(f.clock.Now()) ||
		len(m.Problems) != 0 {
		t.Fatalf("message %+v", m)
	}
	return id, m
}

func TestCustomerSendsText(t *testing.T) {
	f := newFixture(t, nil)
	if f.emu.WindowOpen("16505551234") {
		t.Fatal("window open before the customer wrote")
	}
	_, m := inbound(t, f, Text("hola"))
	if m.Type != "text" || m.Text != "hola" {
		t.Fatalf("%+v", m)
	}
	if !f.emu.WindowOpen("16505551234") {
		t.Fatal("window not opened")
	}
}

func TestCustomerSendsImageServedAsMedia(t *testing.T) {
	f := newFixture(t, nil)
	data := []byte("\xff\xd8\xff\xe0 jpeg-ish")
	_, m := inbound(t, f, InboundSpec{Image: &InboundImage{Data: data, MimeType: "image/jpeg", Caption: "receipt"}})
	if m.Type != "image" || m.Media == nil || m.Media.Kind != "image" || m.Media.Caption != "receipt" || m.Media.MimeType != "image/jpeg" {
		t.Fatalf("%+v %+v", m, m.Media)
	}
	resp, body := f.do(t, "GET", "/v23.0/"+m.Media.ID, testToken, nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(m.Media.SHA256)) {
		t.Fatalf("media info %d %s", resp.StatusCode, body)
	}
	got, typ, ok := f.emu.Media(m.Media.ID)
	if !ok || typ != "image/jpeg" || !bytes.Equal(got, data) {
		t.Fatalf("stored media %v %q", ok, typ)
	}
}

func TestCustomerSendsButtonReplyAndLocation(t *testing.T) {
	f := newFixture(t, nil)
	_, m := inbound(t, f, InboundSpec{ButtonReply: &InboundButton{ID: "yes", Title: "Yes"}, ReplyTo: "wamid.OUT"})
	if m.Type != "interactive" || m.Interactive == nil || m.Interactive.ID != "yes" || m.Interactive.Title != "Yes" ||
		m.Context == nil || m.Context.ID != "wamid.OUT" {
		t.Fatalf("%+v %+v %+v", m, m.Interactive, m.Context)
	}
	_, m = inbound(t, f, InboundSpec{QuickReply: &InboundQuickReply{Payload: "STOP", Text: "Stop promotions"}, ReplyTo: "wamid.TPL"})
	if m.Type != "button" || m.Button == nil || m.Button.Payload != "STOP" || m.Button.Text != "Stop promotions" ||
		m.Context == nil || m.Context.ID != "wamid.TPL" {
		t.Fatalf("%+v %+v", m, m.Button)
	}
	_, m = inbound(t, f, InboundSpec{Location: &InboundLocation{Latitude: -34.6037, Longitude: -58.3816, Name: "Obelisco", Address: "Av. 9 de Julio"}})
	if m.Type != "location" || m.Location == nil || m.Location.Lat != -34.6037 || m.Location.Long != -58.3816 ||
		m.Location.Name != "Obelisco" || m.Location.Address != "Av. 9 de Julio" {
		t.Fatalf("%+v %+v", m, m.Location)
	}
}

func TestCustomerSendsNeedsOneContent(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.emu.CustomerSends(context.Background(), "1", "", InboundSpec{}); err == nil {
		t.Fatal("empty spec accepted")
	}
	if _, err := f.emu.CustomerSends(context.Background(), "1", "", InboundSpec{Text: "a", Location: &InboundLocation{}}); err == nil {
		t.Fatal("two contents accepted")
	}
	if len(f.hook.all()) != 0 {
		t.Fatal("invalid spec was delivered")
	}
}
