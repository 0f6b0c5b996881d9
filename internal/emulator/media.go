package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
)

// maxUpload bounds an uploaded file (Meta's largest kind, documents, is 100 MB).
const maxUpload = 100 << 20

type mediaItem struct {
	id, mimeType, sha256, filename string
	data                           []byte
}

// AddMedia stores data as media the emulator serves (as if a customer had
// sent it) and returns its id.
func (e *Emulator) AddMedia(data []byte, mimeType, filename string) string {
	return e.addMedia(data, mimeType, filename).id
}

func (e *Emulator) addMedia(data []byte, mimeType, filename string) *mediaItem {
	m := e.newMediaItem(data, mimeType, filename)
	e.mu.Lock()
	e.media[m.id] = m
	e.mu.Unlock()
	return m
}

// newMediaItem builds (but does not store) a media item for data.
func (e *Emulator) newMediaItem(data []byte, mimeType, filename string) *mediaItem {
	if mimeType == "" {
		mimeType = http.DetectContentType(data)
	}
	sum := sha256.Sum256(data)
	m := &mediaItem{
		id:       strconv.FormatInt(1000000000000000+e.nextSeq(), 10),
		mimeType: mimeType,
		sha256:   base64.StdEncoding.EncodeToString(sum[:]),
		filename: filename,
		data:     append([]byte(nil), data...),
	}
	return m
}

// Media returns a stored file's bytes and MIME type.
func (e *Emulator) Media(id string) (data []byte, mimeType string, ok bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	m, ok := e.media[id]
	if !ok {
		return nil, "", false
	}
	return append([]byte(nil), m.data...), m.mimeType, true
}

// upload handles multipart POST …/media (fields file, type, messaging_product).
func (e *Emulator) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 100, Message: "Invalid parameter", Details: "expected multipart/form-data: " + err.Error()})
		return
	}
	if p := r.FormValue("messaging_product"); p != "whatsapp" {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131008, Message: "Required parameter is missing", Details: "The parameter messaging_product is required."})
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131008, Message: "Required parameter is missing", Details: "The parameter file is required."})
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131053, Message: "Media upload error", Details: err.Error()})
		return
	}
	typ := r.FormValue("type")
	if typ == "" {
		typ = hdr.Header.Get("Content-Type")
	}
	if mt, _, err := mime.ParseMediaType(typ); err == nil {
		typ = mt
	}
	m := e.addMedia(data, typ, hdr.Filename)
	writeJSON(w, http.StatusOK, map[string]string{"id": m.id})
}

// mediaInfo answers GET /{media-id} with the download URL on this server.
func (e *Emulator) mediaInfo(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.RLock()
	m, ok := e.media[id]
	e.mu.RUnlock()
	if !ok {
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, id))
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: "/whatsapp_business/attachments/", RawQuery: url.Values{"mid": {id}}.Encode()}
	writeJSON(w, http.StatusOK, map[string]string{
		"messaging_product": "whatsapp",
		"url":               u.String(),
		"mime_type":         m.mimeType,
		"sha256":            m.sha256,
		"file_size":         strconv.Itoa(len(m.data)),
		"id":                m.id,
	})
}

func (e *Emulator) deleteMedia(w http.ResponseWriter, id string) {
	e.mu.Lock()
	_, ok := e.media[id]
	delete(e.media, id)
	e.mu.Unlock()
	if !ok {
		e.graphError(w, http.StatusBadRequest, unsupported(http.MethodDelete, id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// download serves /whatsapp_business/attachments/?mid=… to a bearer token
// or a 360dialog API key (360dialog clients rewrite the media host to theirs
// and keep the path).
func (e *Emulator) download(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		e.graphError(w, http.StatusMethodNotAllowed, unsupported(r.Method, "attachments"))
		return
	}
	if !e.bearerOK(r) && !e.apiKeyOK(r) {
		e.graphError(w, http.StatusUnauthorized, apiError{Code: 190, Message: "Invalid OAuth access token - Cannot parse access token"})
		return
	}
	data, typ, ok := e.Media(r.URL.Query().Get("mid"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	_, _ = w.Write(data)
}
