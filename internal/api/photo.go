package api

import (
	"errors"
	"io"
	"mime"
	"net/http"

	"charla/internal/businessprofile"
	"charla/internal/problem"
)

// setProfilePhoto takes the photo as a multipart form's "photo" part or as
// the raw body (image/jpeg or image/png), streams it to the service, which
// checks it is an image and makes the 640×640 JPEG WhatsApp shows, and
// answers with the profile the provider then reports.
func (a *server) setProfilePhoto(w http.ResponseWriter, r *http.Request) {
	id, err := managedChannel(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	const limit = businessprofile.MaxPhotoBytes
	if r.ContentLength > limit+formSlack {
		a.error(w, r, photoTooLarge())
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+formSlack)
	photo, err := photoReader(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	body := &photoLimit{r: photo, left: limit}
	p, err := a.s.Profiles.SetPhoto(r.Context(), user(r).WorkspaceID, id, body)
	// The reader's own error says what was wrong with the request; the
	// service only saw a failed read.
	if body.err != nil {
		a.error(w, r, body.err)
		return
	}
	a.writeProfile(w, r, p, err)
}

// photoReader finds the photo in the request.
func photoReader(r *http.Request) (io.Reader, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "image/jpeg", "image/png":
		return r.Body, nil
	case "multipart/form-data":
	default:
		return nil, problem.New(problem.BadRequest, "send the photo as image/jpeg, image/png or multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, problem.New(problem.BadRequest, "malformed multipart body: %v", err)
	}
	// The photo is the form's only part; it is read as it arrives.
	part, err := mr.NextPart()
	switch {
	case err == io.EOF:
		return nil, problem.Field("photo", "is required")
	case err != nil:
		return nil, formErr(err, businessprofile.MaxPhotoBytes)
	case part.FormName() != "photo":
		return nil, unknownPart(part.FormName())
	}
	return part, nil
}

// photoLimit reads the photo, failing once it passes the limit (413) or
// the body breaks off (400); err keeps why.
type photoLimit struct {
	r    io.Reader
	left int64
	err  error
}

func (l *photoLimit) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.left <= 0 {
		// At the limit: one more byte is too much.
		var one [1]byte
		n, err := l.r.Read(one[:])
		switch {
		case n > 0:
			l.err = photoTooLarge()
			return 0, l.err
		case err == nil || err == io.EOF:
			return 0, err
		}
		l.err = readErr(err)
		return 0, l.err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		l.err = readErr(err)
		return n, l.err
	}
	return n, err
}

// readErr is a failed read of the photo: over the body's limit, or a body
// that ended early or is malformed.
func readErr(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return photoTooLarge()
	}
	return problem.New(problem.BadRequest, "could not read the photo: %v", err)
}

func photoTooLarge() error {
	return problem.New(problem.TooLarge, "the photo is larger than %d MB; choose a smaller image", businessprofile.MaxPhotoBytes>>20)
}
