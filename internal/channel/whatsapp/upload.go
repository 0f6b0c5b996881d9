package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"charla/internal/problem"
)

// ResumableUpload uploads a file with the Resumable Upload API and returns
// its handle, which a profile update (profile_picture_handle) or a template
// media header (example.header_handle) takes; it is not a media id for
// sending. Step 1 opens a session: on the Cloud API
// POST /{version}/{app-id}/uploads, on 360dialog POST /uploads. Step 2
// sends the whole file to POST /upload:<session> from offset 0
// (providers.md §1.12, §2.1). fileName only goes to the Cloud API, whose
// session takes one; 360dialog's documented session has none.
func (c *Client) ResumableUpload(ctx context.Context, fileName, mimeType string, data []byte) (string, error) {
	f := problem.Fields{}
	if c.cfg.Provider == CloudAPI && strings.TrimSpace(c.cfg.AppID) == "" {
		f.Add("app_id", "is required for uploads on the Cloud API: set the Meta app id of the channel")
	}
	if strings.TrimSpace(mimeType) == "" {
		f.Add("file_type", "is required")
	}
	if len(data) == 0 {
		f.Add("file", "is empty")
	}
	if err := f.Err(); err != nil {
		return "", err
	}
	q := url.Values{"file_length": {strconv.Itoa(len(data))}, "file_type": {mimeType}}
	start := c.endpoint(false, "uploads")
	if c.cfg.Provider == CloudAPI {
		if fileName == "" {
			fileName = "file"
		}
		q.Set("file_name", fileName)
		start = c.endpoint(false, c.cfg.AppID, "uploads")
	}
	var session struct {
		ID string `json:"id"`
	}
	if err := c.doJSON(ctx, http.MethodPost, start+"?"+q.Encode(), nil, &session); err != nil {
		return "", err
	}
	if !strings.HasPrefix(session.ID, "upload:") {
		return "", errors.New("whatsapp: upload session response has no upload id")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(false, session.ID), bytes.NewReader(data))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	// Set directly: Meta's guide spells the header in lower case with an
	// underscore, which Header.Set would rewrite to File_offset.
	req.Header["file_offset"] = []string{"0"}
	return c.sendUploadData(req)
}

// sendUploadData is step 2. It authenticates like every other call except
// that on the Cloud API it uses the "OAuth" scheme Meta's resumable upload
// guide shows for this step.
func (c *Client) sendUploadData(req *http.Request) (string, error) {
	c.authorize(req)
	if c.cfg.Provider == CloudAPI {
		req.Header.Set("Authorization", "OAuth "+c.cfg.Token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", &APIError{Message: "upload to WhatsApp failed", Err: redact(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "", parseAPIError(resp)
	}
	var out struct {
		H string `json:"h"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return "", fmt.Errorf("whatsapp: decoding %d upload response: %w", resp.StatusCode, err)
	}
	if out.H == "" {
		return "", errors.New("whatsapp: upload finished without a file handle")
	}
	return out.H, nil
}
