package emulator

import (
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
)

// uploadSession is one Resumable Upload API session: started with the
// file's length and type, filled by one or more POSTs.
type uploadSession struct {
	id, fileName, mimeType string
	length                 int64
	data                   []byte
	handle                 string
}

// uploadTypes are the file types Meta's resumable upload guide lists.
var uploadTypes = []string{"application/pdf", "image/jpeg", "image/jpg", "image/png", "video/mp4"}

// startUpload is POST /{app-id}/uploads (Graph) or /uploads (360dialog)
// ?file_name=&file_length=&file_type= → {"id": "upload:<session>"}.
func (e *Emulator) startUpload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	length, err := strconv.ParseInt(q.Get("file_length"), 10, 64)
	if err != nil || length < 1 || length > maxUpload {
		e.graphError(w, http.StatusBadRequest, invalidParam("file_length must be the file's size in bytes (at most 100 MB)."))
		return
	}
	typ := q.Get("file_type")
	if !slices.Contains(uploadTypes, typ) {
		e.graphError(w, http.StatusBadRequest, invalidParam("file_type must be one of application/pdf, image/jpeg, image/jpg, image/png, video/mp4."))
		return
	}
	s := &uploadSession{
		id:       "upload:" + base64.RawURLEncoding.EncodeToString([]byte("EMU"+strconv.FormatInt(e.nextSeq(), 10))),
		fileName: q.Get("file_name"), mimeType: typ, length: length,
	}
	e.mu.Lock()
	e.uploads[s.id] = s
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": s.id})
}

// continueUpload is POST /upload:<session> (header file_offset, raw bytes)
// → {"h": handle} once the whole file arrived, or GET for the offset to
// resume from. The handle goes in profile_picture_handle or a template's
// header_handle.
func (e *Emulator) continueUpload(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.RLock()
	s, ok := e.uploads[id]
	e.mu.RUnlock()
	if !ok {
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, id))
		return
	}
	if r.Method == http.MethodGet {
		e.mu.RLock()
		off := len(s.data)
		e.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "file_offset": off})
		return
	}
	if r.Method != http.MethodPost {
		e.graphError(w, http.StatusBadRequest, unsupported(r.Method, id))
		return
	}
	chunk, err := io.ReadAll(io.LimitReader(r.Body, s.length+1))
	if err != nil {
		e.graphError(w, http.StatusBadRequest, apiError{Code: 131053, Message: "Media upload error", Details: err.Error()})
		return
	}
	offset, err := strconv.ParseInt(r.Header.Get("file_offset"), 10, 64)
	if r.Header.Get("file_offset") == "" {
		offset, err = 0, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case err != nil || offset != int64(len(s.data)):
		e.graphError(w, http.StatusBadRequest, invalidParam("file_offset must be "+strconv.Itoa(len(s.data))+", the bytes received so far."))
		return
	case int64(len(s.data)+len(chunk)) > s.length:
		e.graphError(w, http.StatusBadRequest, invalidParam("the upload is longer than file_length."))
		return
	}
	s.data = append(s.data, chunk...)
	if int64(len(s.data)) < s.length {
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "file_offset": len(s.data)})
		return
	}
	if s.handle == "" {
		// The handle's shape follows Meta's ("4::<base64 type>:<opaque>").
		item := e.newMediaItem(s.data, s.mimeType, s.fileName)
		e.media[item.id] = item
		s.handle = "4::" + base64.StdEncoding.EncodeToString([]byte(s.mimeType)) + ":EMU" + item.id
		e.handles[s.handle] = item.id
	}
	writeJSON(w, http.StatusOK, map[string]string{"h": s.handle})
}
