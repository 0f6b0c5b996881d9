package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"charla/internal/problem"
)

// Provider is who hosts the Cloud API endpoint the client talks to.
type Provider int

const (
	// CloudAPI is Meta's Graph API: Bearer token, /{version}/{phone-number-id}/… paths.
	CloudAPI Provider = iota
	// Dialog360 is 360dialog's v2 Messaging API: D360-API-KEY header, paths
	// without version or phone number ID (providers.md §2.1).
	Dialog360
)

const (
	DefaultCloudAPIBase  = "https://graph.facebook.com"
	DefaultDialog360Base = "https://waba-v2.360dialog.io"
	DefaultVersion       = "v23.0"
	// userAgent matches the User-Agent pattern of Meta's OpenAPI spec.
	userAgent = "charla/1.0.0"
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 64 << 10
	// mediaLookasideHost is where Meta serves media; 360dialog proxies it.
	mediaLookasideHost = "lookaside.fbsbx.com"
)

// ClientConfig configures a Client. Token is the Cloud API bearer token,
// APIKey the 360dialog D360-API-KEY; neither ever appears in errors.
type ClientConfig struct {
	Provider      Provider
	BaseURL       string
	Version       string
	PhoneNumberID string
	// WABAID is the WhatsApp Business Account that owns the number; the
	// Cloud API manages templates under it (360dialog needs none).
	WABAID string
	// AppID is the Meta app's id, which the Cloud API's resumable upload
	// (profile pictures, template header samples) is addressed to.
	AppID      string
	Token      string
	APIKey     string
	HTTPClient *http.Client
}

// Client sends messages and handles media for one WhatsApp number.
type Client struct {
	cfg  ClientConfig
	base string
	http *http.Client
}

// NewClient fills in defaults; it does not contact the provider.
func NewClient(cfg ClientConfig) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultCloudAPIBase
		if cfg.Provider == Dialog360 {
			cfg.BaseURL = DefaultDialog360Base
		}
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), http: hc}
}

// endpoint builds the URL of an API path: for the Cloud API
// {base}/{version}/{p...}, for 360dialog {base}/{p...} with the phone number
// ID left out (phoneScoped).
func (c *Client) endpoint(phoneScoped bool, p ...string) string {
	var parts []string
	if c.cfg.Provider == CloudAPI {
		parts = append(parts, c.cfg.Version)
		if phoneScoped {
			parts = append(parts, url.PathEscape(c.cfg.PhoneNumberID))
		}
	}
	for _, s := range p {
		parts = append(parts, url.PathEscape(s))
	}
	return c.base + "/" + strings.Join(parts, "/")
}

func (c *Client) authorize(r *http.Request) {
	if c.cfg.Provider == Dialog360 {
		r.Header.Set("D360-API-KEY", c.cfg.APIKey)
	} else {
		r.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	r.Header.Set("User-Agent", userAgent)
}

// SendResult is WhatsApp's acknowledgement: accepted, not yet delivered.
type SendResult struct {
	MessageID string
	WaID      string
	// Status is messages[0].message_status when present (accepted,
	// held_for_quality_assessment, paused).
	Status string
}

// Send validates m and sends it to one individual recipient.
func (c *Client) Send(ctx context.Context, to string, m Outgoing) (SendResult, error) {
	return c.SendTagged(ctx, to, m, "")
}

// MaxCallbackData bounds biz_opaque_callback_data (providers.md §1.7).
const MaxCallbackData = 512

// SendTagged is Send with biz_opaque_callback_data: WhatsApp echoes tag in
// every status webhook of the message, which lets charla recognise a message
// whose send was cut off before the answer was recorded.
func (c *Client) SendTagged(ctx context.Context, to string, m Outgoing, tag string) (SendResult, error) {
	if len(tag) > MaxCallbackData {
		return SendResult{}, problem.Field("biz_opaque_callback_data", "must be at most 512 characters")
	}
	if m == nil {
		return SendResult{}, problem.Field("type", "is required")
	}
	if strings.TrimSpace(to) == "" {
		return SendResult{}, problem.Field("to", "is required")
	}
	if err := m.Validate(); err != nil {
		return SendResult{}, err
	}
	obj, replyTo := m.fields()
	body := map[string]any{
		"messaging_product": "whatsapp",
		"recipient_type":    "individual",
		"to":                to,
		"type":              m.Type(),
		m.Type():            obj,
	}
	if replyTo != "" {
		body["context"] = map[string]any{"message_id": replyTo}
	}
	if tag != "" {
		body["biz_opaque_callback_data"] = tag
	}
	var resp struct {
		Contacts []struct {
			WaID string `json:"wa_id"`
		} `json:"contacts"`
		Messages []struct {
			ID     string `json:"id"`
			Status string `json:"message_status"`
		} `json:"messages"`
	}
	if err := c.doJSON(ctx, http.MethodPost, c.endpoint(true, "messages"), body, &resp); err != nil {
		return SendResult{}, err
	}
	var r SendResult
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		return r, errors.New("whatsapp: send response has no message id")
	}
	r.MessageID, r.Status = resp.Messages[0].ID, resp.Messages[0].Status
	if len(resp.Contacts) > 0 {
		r.WaID = resp.Contacts[0].WaID
	}
	return r, nil
}

// MarkRead marks an inbound message (and all earlier ones) as read.
func (c *Client) MarkRead(ctx context.Context, messageID string) error {
	if strings.TrimSpace(messageID) == "" {
		return problem.Field("message_id", "is required")
	}
	body := map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": messageID}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := c.doJSON(ctx, http.MethodPost, c.endpoint(true, "messages"), body, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return errors.New("whatsapp: mark as read was not acknowledged")
	}
	return nil
}

// UploadMedia uploads a file and returns its media ID (valid 30 days).
func (c *Client) UploadMedia(ctx context.Context, filename, mimeType string, r io.Reader) (string, error) {
	f := problem.Fields{}
	if strings.TrimSpace(mimeType) == "" {
		f.Add("type", "is required")
	}
	if r == nil {
		f.Add("file", "is required")
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	if filename == "" {
		filename = "file"
	}
	// Buffer the body so the request can be replayed by transports and has a
	// Content-Length; WhatsApp media is at most 100 MB.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("messaging_product", "whatsapp")
	_ = mw.WriteField("type", mimeType)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, escapeQuotes(filename)))
	h.Set("Content-Type", mimeType)
	part, err := mw.CreatePart(h)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(part, r); err != nil {
		return "", fmt.Errorf("whatsapp: reading upload: %w", err)
	}
	if err := mw.Close(); err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(true, "media"), &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var resp struct {
		ID string `json:"id"`
	}
	if err := c.do(req, &resp); err != nil {
		return "", err
	}
	if resp.ID == "" {
		return "", errors.New("whatsapp: upload response has no media id")
	}
	return resp.ID, nil
}

func escapeQuotes(s string) string {
	return strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "").Replace(s)
}

// MediaInfo is what GET /{media-id} returns.
type MediaInfo struct {
	URL      string
	MimeType string
	SHA256   string
	Size     int64
	ID       string
}

// MediaURL resolves a media ID to a short-lived (5 min) download URL. For
// 360dialog the URL is rewritten onto the 360dialog host, as its docs
// require for downloading.
func (c *Client) MediaURL(ctx context.Context, id string) (MediaInfo, error) {
	if strings.TrimSpace(id) == "" {
		return MediaInfo{}, problem.Field("media_id", "is required")
	}
	var resp struct {
		URL      string     `json:"url"`
		MimeType string     `json:"mime_type"`
		SHA256   string     `json:"sha256"`
		FileSize flexString `json:"file_size"`
		ID       string     `json:"id"`
	}
	if err := c.doJSON(ctx, http.MethodGet, c.endpoint(false, id), nil, &resp); err != nil {
		return MediaInfo{}, err
	}
	if resp.URL == "" {
		return MediaInfo{}, errors.New("whatsapp: media response has no url")
	}
	size, _ := strconv.ParseInt(string(resp.FileSize), 10, 64)
	info := MediaInfo{URL: resp.URL, MimeType: resp.MimeType, SHA256: resp.SHA256, Size: size, ID: resp.ID}
	if c.cfg.Provider == Dialog360 {
		info.URL = c.rewriteLookaside(info.URL)
	}
	return info, nil
}

func (c *Client) rewriteLookaside(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host != mediaLookasideHost {
		return raw
	}
	b, err := url.Parse(c.base)
	if err != nil {
		return raw
	}
	u.Scheme, u.Host = b.Scheme, b.Host
	return u.String()
}

// DownloadMedia fetches a URL from MediaURL with the channel's credentials.
// The caller closes the body. size is -1 when unknown.
func (c *Client) DownloadMedia(ctx context.Context, mediaURL string) (io.ReadCloser, string, int64, error) {
	u, err := url.Parse(mediaURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", 0, problem.Field("url", "must be an http(s) URL")
	}
	if c.cfg.Provider == Dialog360 {
		mediaURL = c.rewriteLookaside(mediaURL)
		u, _ = url.Parse(mediaURL)
	}
	// Credentials only go to the provider or Meta's media host.
	if b, err := url.Parse(c.base); err != nil || (u.Host != b.Host && u.Host != mediaLookasideHost) {
		return nil, "", 0, problem.Field("url", "is not a WhatsApp media URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, "", 0, err
	}
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", 0, &APIError{Message: "media download failed", Err: redact(err)}
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, "", 0, parseAPIError(resp)
	}
	return resp.Body, resp.Header.Get("Content-Type"), resp.ContentLength, nil
}

// PhoneNumberInfo is the number's public face and health.
type PhoneNumberInfo struct {
	ID                 string
	DisplayPhoneNumber string
	VerifiedName       string
	QualityRating      string // GREEN, YELLOW, RED, NA
	MessagingLimitTier string // TIER_250, TIER_1K, … (deprecated by Meta but still returned)
}

// PhoneNumber reads the number's display number, verified name, quality
// rating and messaging limit tier. 360dialog has no documented equivalent
// of GET /{phone-number-id}, so it is only available on the Cloud API.
func (c *Client) PhoneNumber(ctx context.Context) (PhoneNumberInfo, error) {
	if c.cfg.Provider != CloudAPI {
		return PhoneNumberInfo{}, problem.New(problem.BadRequest, "phone number details are only available on the Cloud API")
	}
	u := c.endpoint(true) + "?fields=" + url.QueryEscape("display_phone_number,verified_name,quality_rating,messaging_limit_tier")
	var resp struct {
		ID                 string `json:"id"`
		DisplayPhoneNumber string `json:"display_phone_number"`
		VerifiedName       string `json:"verified_name"`
		QualityRating      string `json:"quality_rating"`
		MessagingLimitTier string `json:"messaging_limit_tier"`
	}
	if err := c.doJSON(ctx, http.MethodGet, u, nil, &resp); err != nil {
		return PhoneNumberInfo{}, err
	}
	return PhoneNumberInfo(resp), nil
}

func (c *Client) doJSON(ctx context.Context, method, u string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.do(req, out)
}

func (c *Client) do(req *http.Request, out any) error {
	c.authorize(req)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return &APIError{Message: "request to WhatsApp failed", Err: redact(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return parseAPIError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("whatsapp: decoding %d response: %w", resp.StatusCode, err)
	}
	return nil
}

// redact drops the URL from transport errors (a caller-supplied media URL
// may carry signed query parameters).
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// APIError is a failed call: a non-2xx answer (with Graph's error object
// when there was one) or a transport failure (Status 0, Err set).
type APIError struct {
	Status     int
	Code       int
	Subcode    int
	Type       string
	Title      string
	Message    string
	Details    string
	FBTraceID  string
	Transient  bool // Graph's is_transient
	RetryAfter time.Duration
	Err        error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("whatsapp")
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, ": error %d", e.Code)
		if e.Subcode != 0 {
			fmt.Fprintf(&b, "/%d", e.Subcode)
		}
	}
	if m := firstNonEmpty(e.Message, e.Title); m != "" {
		b.WriteString(": " + m)
	}
	if e.Details != "" && e.Details != e.Message {
		b.WriteString(" (" + e.Details + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// retryableCodes are retried whatever ErrorInfo says. All but 1 agree with
// ErrorInfo; code 1 ("API Unknown") is marked not retryable there and in
// providers.md §1.15 gives no guidance, but charla's send policy treats it
// as retryable (an unknown server-side failure), so it is listed here.
var retryableCodes = map[int]bool{1: true, 2: true, 130429: true, 131016: true, 131048: true, 131056: true}

// Retryable tells whether sending the same request again later may work:
// network failures, HTTP 5xx and 429, Graph's is_transient, and codes whose
// ErrorInfo says so.
func (e *APIError) Retryable() bool {
	if e.Err != nil && e.Status == 0 {
		return true
	}
	if e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Transient {
		return true
	}
	if e.Code == 0 {
		return false
	}
	if retryableCodes[e.Code] {
		return true
	}
	_, _, r := ErrorInfo(e.Code)
	return r
}

// Plain explains the error for an agent.
func (e *APIError) Plain() string {
	if e.Code != 0 {
		_, plain, _ := ErrorInfo(e.Code)
		return plain
	}
	switch {
	case e.Status == 0:
		return "WhatsApp could not be reached; try again later."
	case e.Status == http.StatusUnauthorized:
		return "WhatsApp rejected the channel's credentials; reconnect the channel."
	case e.Status == http.StatusTooManyRequests:
		return "Too many requests to WhatsApp; try again after a pause."
	case e.Status >= 500:
		return "WhatsApp is temporarily unavailable; try again later."
	}
	return fmt.Sprintf("WhatsApp refused the request (HTTP %d).", e.Status)
}

func parseAPIError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(raw, &env) == nil {
		var g struct {
			Message   flexString `json:"message"`
			Type      flexString `json:"type"`
			Code      flexInt    `json:"code"`
			Subcode   flexInt    `json:"error_subcode"`
			UserTitle flexString `json:"error_user_title"`
			UserMsg   flexString `json:"error_user_msg"`
			FBTrace   flexString `json:"fbtrace_id"`
			Transient flexBool   `json:"is_transient"`
			ErrorData *struct {
				Details flexString `json:"details"`
			} `json:"error_data"`
		}
		var s string
		switch {
		case json.Unmarshal(env.Error, &g) == nil && len(env.Error) > 0 && env.Error[0] == '{':
			e.Code, e.Subcode = int(g.Code), int(g.Subcode)
			e.Type, e.Message, e.FBTraceID = string(g.Type), string(g.Message), string(g.FBTrace)
			e.Transient = bool(g.Transient)
			if g.ErrorData != nil {
				e.Details = string(g.ErrorData.Details)
			}
			if e.Details == "" {
				e.Details = string(g.UserMsg)
			}
			e.Title = string(g.UserTitle)
		case json.Unmarshal(env.Error, &s) == nil:
			// 360dialog's own errors (shape UNVERIFIED in providers.md
			// §2.1; its Partner API uses {"error": "..."}).
			e.Message = s
		}
	}
	if e.Code != 0 && e.Title == "" {
		e.Title, _, _ = ErrorInfo(e.Code)
	}
	if e.Message == "" && e.Title == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

func retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// SetWebhook registers where 360dialog delivers this number's webhooks
// (POST /v1/configs/webhook, providers.md §2.1). The Cloud API has no such
// call: its callback URL is set in the Meta app dashboard.
func (c *Client) SetWebhook(ctx context.Context, callbackURL string) error {
	if c.cfg.Provider != Dialog360 {
		return problem.New(problem.BadRequest, "the Cloud API's callback URL is set in the Meta app dashboard")
	}
	return c.doJSON(ctx, http.MethodPost, c.endpoint(false, "v1", "configs", "webhook"), map[string]any{"url": callbackURL}, nil)
}

// Webhook reads the URL 360dialog delivers this number's webhooks to
// (GET /v1/configs/webhook); it also proves the API key works.
func (c *Client) Webhook(ctx context.Context) (string, error) {
	if c.cfg.Provider != Dialog360 {
		return "", problem.New(problem.BadRequest, "the Cloud API's callback URL is set in the Meta app dashboard")
	}
	var resp struct {
		URL string `json:"url"`
	}
	err := c.doJSON(ctx, http.MethodGet, c.endpoint(false, "v1", "configs", "webhook"), nil, &resp)
	return resp.URL, err
}
