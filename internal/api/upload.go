package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"unicode/utf8"

	"charla/internal/inbox"
	"charla/internal/problem"
)

// formSlack is what a multipart body may hold beyond the file: boundaries,
// part headers and a caption of up to 4096 characters.
const formSlack = 64 << 10

// sendUpload sends a multipart message. The file part is streamed into the
// inbox as it arrives, never buffered, so the caption, kind and reply_to_id
// must come before it.
func (a *server) sendUpload(w http.ResponseWriter, r *http.Request, conv inbox.Conversation) (inbox.Message, error) {
	limit := a.s.MaxUpload()
	if c := conv.Capabilities.MaxAttachmentBytes; c > 0 && c < limit {
		limit = c
	}
	// A declared length over the limit is refused before a byte is read.
	if r.ContentLength > limit+formSlack {
		return inbox.Message{}, tooLarge(limit)
	}
	// Checked before streaming, since the message is stored as the file ends.
	if err := a.checkSendable(r, conv); err != nil {
		return inbox.Message{}, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+formSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return inbox.Message{}, problem.New(problem.BadRequest, "malformed multipart body: %v", err)
	}
	var d inbox.Draft
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return inbox.Message{}, problem.Field("file", "is required")
		}
		if err != nil {
			return inbox.Message{}, formErr(err, limit)
		}
		switch name := part.FormName(); name {
		case "body", "kind", "reply_to_id":
			if seen[name] {
				return inbox.Message{}, problem.Field(name, "send one "+name)
			}
			seen[name] = true
			if err := readField(part, name, limit, &d); err != nil {
				return inbox.Message{}, err
			}
		case "file":
			up := &upload{part: part, form: mr, limit: limit}
			d.Files = []inbox.Upload{{Filename: part.FileName(), ContentType: partType(part), Body: up}}
			msg, err := a.s.Inbox.Compose(r.Context(), user(r), conv.ID, d)
			// The reader's own error says what was wrong with the form; the
			// store only saw a failed read.
			if up.err != nil {
				return inbox.Message{}, up.err
			}
			return msg, err
		default:
			return inbox.Message{}, unknownPart(name)
		}
	}
}

// maxToken bounds the form's short fields (kind, reply_to_id).
const maxToken = 64

// readField reads one of the text parts that come before the file into d.
func readField(part *multipart.Part, name string, limit int64, d *inbox.Draft) error {
	if name == "body" {
		var err error
		d.Body, err = readCaption(part, limit)
		return err
	}
	b, err := io.ReadAll(io.LimitReader(part, maxToken+1))
	if err != nil {
		return formErr(err, limit)
	}
	v := string(b)
	switch name {
	case "kind":
		if msg := checkKind(v, "file"); msg != "" {
			return problem.Field("kind", msg)
		}
		d.Kind = v
	case "reply_to_id":
		if !isID(v) {
			return problem.Field("reply_to_id", "must be the id of a message of this conversation")
		}
		d.ReplyToID = v
	}
	return nil
}

func readCaption(part *multipart.Part, limit int64) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, utf8.UTFMax*inbox.MaxBody+1))
	if err != nil {
		return "", formErr(err, limit)
	}
	switch {
	case !utf8.Valid(b):
		return "", problem.Field("body", "must be UTF-8 text")
	case utf8.RuneCount(b) > inbox.MaxBody:
		return "", problem.Field("body", "must be at most 4096 characters")
	}
	return string(b), nil
}

// partType is the client's content type for the file, or "" (the inbox then
// sniffs one) when it is not a valid media type the blob store would accept.
func partType(part *multipart.Part) string {
	ct := part.Header.Get("Content-Type")
	if _, _, err := mime.ParseMediaType(ct); err != nil || len(ct) > 255 {
		return ""
	}
	return ct
}

// upload is the file part as the inbox reads it. It enforces the size limit
// and, at the end of the file, checks the rest of the form, so a bad form
// fails the read (and with it the send) before the message is committed.
type upload struct {
	part  *multipart.Part
	form  *multipart.Reader
	limit int64
	n     int64
	done  bool
	err   error
}

func (u *upload) Read(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	if u.done {
		return 0, io.EOF
	}
	n, err := u.part.Read(p)
	u.n += int64(n)
	switch {
	case u.n > u.limit:
		u.err = tooLarge(u.limit)
		return 0, u.err
	case err == io.EOF:
		if u.err = u.rest(); u.err != nil {
			return 0, u.err
		}
		u.done = true
		return n, io.EOF
	case err != nil:
		u.err = formErr(err, u.limit)
		return 0, u.err
	}
	return n, nil
}

// rest checks that nothing but the closing boundary follows the file.
func (u *upload) rest() error {
	next, err := u.form.NextPart()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return formErr(err, u.limit)
	case next.FormName() == "body", next.FormName() == "kind", next.FormName() == "reply_to_id":
		return problem.Field(next.FormName(), "send the "+next.FormName()+" part before the file part")
	case next.FormName() == "file":
		return problem.Field("file", "send one file per message")
	}
	return unknownPart(next.FormName())
}

func unknownPart(name string) error {
	if name == "" {
		return problem.New(problem.BadRequest, "every form part needs a name")
	}
	return problem.Field(name, "unknown field")
}

func formErr(err error, limit int64) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge(limit)
	}
	return problem.New(problem.BadRequest, "malformed multipart body: %v", err)
}

func tooLarge(limit int64) error {
	size := fmt.Sprintf("%d bytes", limit)
	if limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MiB", limit>>20)
	}
	return problem.New(problem.TooLarge, "the file is larger than the %s upload limit", size)
}
