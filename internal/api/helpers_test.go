package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	vconfig "github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"golang.org/x/time/rate"

	"charla/internal/api/spec"
	"charla/internal/auth"
	"charla/internal/channel/wa"
	"charla/internal/channel/webchat"
	"charla/internal/config"
	"charla/internal/core"
	"charla/internal/core/coretest"
	"charla/internal/store"
)

// uploadLimit is the test server's upload limit (1 MiB, the smallest the
// configuration can express), small enough to exceed cheaply.
const uploadLimit = 1 << 20

// env is a real API over real services on one database, with three users:
// an owner and an agent of one workspace and an owner of another.
type env struct {
	s       *core.Services
	handler http.Handler
	srv     *httptest.Server
	blobDir string

	owner, agent, stranger          auth.User
	ownerTok, agentTok, strangerTok string
}

// unlimited keeps the rate limiter out of tests that are not about it.
var unlimited = defaults

func init() { unlimited.rate = rate.Inf }

func newEnv(t *testing.T, d *store.DB, o options) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{}
	// Unstarted, so charla's public URL, which the WhatsApp types build
	// webhook URLs from, is known before the services exist and no server
	// goroutine runs before the routes are in place.
	r := chi.NewRouter()
	e.srv = httptest.NewUnstartedServer(r)
	baseURL := "http://" + e.srv.Listener.Addr().String()
	waCfg := wa.Config{BaseURL: baseURL}
	e.s = coretest.New(t, d, config.Config{BaseURL: baseURL, MaxUploadMB: uploadLimit >> 20, TemplateSyncEvery: -1},
		webchat.Type{MaxUploadBytes: uploadLimit}, wa.Cloud(waCfg), wa.Dialog(waCfg))
	// Registered after the services' cleanups, so the server stops first.
	t.Cleanup(e.srv.Close)
	e.blobDir = e.s.Config.DataDir + "/attachments"

	e.owner = must(e.s.Auth.Setup(ctx, "Acme", "owner@acme.test", "Olga Owner", "correct horse battery"))(t)
	e.agent = must(e.s.Auth.CreateUser(ctx, e.owner, "agent@acme.test", "Ana Agent", "correct horse battery", auth.Agent))(t)
	e.stranger = must(e.s.Auth.Setup(ctx, "Other", "owner@other.test", "Oscar Other", "correct horse battery"))(t)
	e.ownerTok = must(e.s.Auth.CreateToken(ctx, e.owner.ID, "tests"))(t)
	e.agentTok = must(e.s.Auth.CreateToken(ctx, e.agent.ID, "tests"))(t)
	e.strangerTok = must(e.s.Auth.CreateToken(ctx, e.stranger.ID, "tests"))(t)

	r.Route(Prefix, func(r chi.Router) { routes(r, e.s, o) })
	// WhatsApp's webhooks are served beside the API, as internal/app does,
	// so the providers' deliveries reach charla.
	(&wa.Webhooks{Channels: e.s.Channels, Inbox: e.s.Inbox, Templates: e.s.Templates, Log: e.s.Log}).Routes(r)
	e.handler = r
	e.srv.Start()
	return e
}

func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var (
	validatorOnce sync.Once
	specValidator validator.Validator
	validatorErr  error
)

// openAPI is a validator for the spec that asserts formats (uuid, date-time,
// uri) and decodes multipart bodies, so both are checked too.
func openAPI(t *testing.T) validator.Validator {
	t.Helper()
	validatorOnce.Do(func() {
		doc, err := libopenapi.NewDocument(spec.YAML())
		if err != nil {
			validatorErr = err
			return
		}
		v, errs := validator.NewValidator(doc, vconfig.WithFormatAssertions(), vconfig.WithStandardBodyDecoders())
		if len(errs) > 0 {
			validatorErr = errs[0]
			return
		}
		specValidator = v
	})
	if validatorErr != nil {
		t.Fatalf("build validator: %v", validatorErr)
	}
	return specValidator
}

func describe(errs []*liberrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s (at %s)", f.Reason, f.FieldPath)
		}
	}
	return b.String()
}

// call is one request; path is relative to the API prefix.
type call struct {
	method, path, token string
	body                []byte
	contentType         string
	// spec says what the validator must make of the request itself.
	spec requestCheck
}

type requestCheck int

const (
	// specValid requests must match the spec.
	specValid requestCheck = iota
	// specInvalid requests break the contract on purpose (bad JSON, unknown
	// fields, no token): the validator must reject them too, which shows the
	// spec forbids what the server refuses.
	specInvalid
	// specSilent requests are ones the spec cannot judge (e.g. an email's
	// syntax, a body larger than the server allows).
	specSilent
)

func (c call) invalid() call { c.spec = specInvalid; return c }
func (c call) silent() call  { c.spec = specSilent; return c }

func jsonCall(method, path, token string, body any) call {
	c := call{method: method, path: path, token: token}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		c.body, c.contentType = b, "application/json"
	}
	return c
}

func (c call) request(base string) *http.Request {
	req, err := http.NewRequest(c.method, base+Prefix+c.path, bytes.NewReader(c.body))
	if err != nil {
		panic(err)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req
}

// do sends c through the test server, checks the request (unless invalid)
// and the response against the spec, and returns the response with its body.
func (e *env) do(t *testing.T, c call) (*http.Response, []byte) {
	t.Helper()
	v := openAPI(t)
	switch ok, errs := v.ValidateHttpRequest(c.request(e.srv.URL)); {
	case c.spec == specValid && !ok:
		t.Errorf("%s %s: request does not match the spec:%s", c.method, c.path, describe(errs))
	case c.spec == specInvalid && ok:
		t.Errorf("%s %s: request meant to be invalid matches the spec", c.method, c.path)
	}
	resp, err := e.srv.Client().Do(c.request(e.srv.URL))
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read response: %v", c.method, c.path, err)
	}
	e.checkResponse(t, c, resp, body)
	return resp, body
}

func (e *env) checkResponse(t *testing.T, c call, resp *http.Response, body []byte) {
	t.Helper()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := openAPI(t).ValidateHttpResponse(c.request(e.srv.URL), resp); !ok {
		t.Errorf("%s %s → %d: response does not match the spec:%s\n  body: %.500s", c.method, c.path, resp.StatusCode, describe(errs), body)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
}

// expect runs c, wants status, and decodes a JSON response into out (if not nil).
func (e *env) expect(t *testing.T, c call, status int, out any) {
	t.Helper()
	resp, body := e.do(t, c)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", c.method, c.path, resp.StatusCode, status, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", c.method, c.path, body, err)
		}
	}
}

// expectError runs c, wants status and the error code, and returns the error.
func (e *env) expectError(t *testing.T, c call, status int, code string) errorDetail {
	t.Helper()
	var out errorBody
	e.expect(t, c, status, &out)
	if out.Error.Code != code {
		t.Errorf("%s %s: error code %q, want %q (%s)", c.method, c.path, out.Error.Code, code, out.Error.Message)
	}
	return out.Error
}

// wantFields fails unless the error names exactly fields.
func wantFields(t *testing.T, got errorDetail, fields ...string) {
	t.Helper()
	if len(got.Fields) != len(fields) {
		t.Errorf("fields = %v, want %v", got.Fields, fields)
		return
	}
	for _, f := range fields {
		if _, ok := got.Fields[f]; !ok {
			t.Errorf("fields = %v, want %v", got.Fields, fields)
		}
	}
}

// part is one multipart form part; filename marks a file part.
type part struct {
	name, filename, contentType string
	data                        []byte
}

func multipartCall(path, token string, parts ...part) call {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			disp += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", disp)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	return call{method: http.MethodPost, path: path, token: token, body: buf.Bytes(), contentType: mw.FormDataContentType()}
}
