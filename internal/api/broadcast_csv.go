package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"

	"charla/internal/broadcast"
	"charla/internal/httpx"
	"charla/internal/phone"
	"charla/internal/problem"
)

// maxCSV bounds an uploaded audience list: broadcast.MaxListed rows of a
// number or id, with room for other columns.
const maxCSV = 10 << 20

// csvJSON is the spec's BroadcastAudienceList.
type csvJSON struct {
	Rows     []csvRowJSON     `json:"rows"`
	Good     int              `json:"good"`
	Bad      int              `json:"bad"`
	New      int              `json:"new"`
	Audience *csvAudienceJSON `json:"audience"`
}

type csvRowJSON struct {
	Line      int     `json:"line"`
	Value     string  `json:"value"`
	Phone     *string `json:"phone"`
	ContactID *string `json:"contact_id"`
	New       bool    `json:"new"`
	Error     *string `json:"error"`
}

// csvAudienceJSON is an imported list, ready for createBroadcast's audience.
type csvAudienceJSON struct {
	ContactIDs []string `json:"contact_ids"`
}

func csvOut(p broadcast.CSVPreview, a *broadcast.Audience) csvJSON {
	out := csvJSON{Rows: make([]csvRowJSON, len(p.Rows)), Good: p.Good, Bad: p.Bad, New: p.New}
	for i, row := range p.Rows {
		out.Rows[i] = csvRowJSON{Line: row.Line, Value: row.Value, Phone: optString(row.Phone),
			ContactID: optString(row.ContactID), New: row.New, Error: optString(row.Error)}
	}
	if a != nil {
		out.Audience = &csvAudienceJSON{ContactIDs: nonNil(a.ContactIDs)}
	}
	return out
}

var regionRE = regexp.MustCompile(`^[A-Z]{2}$`)

// csvRegion reads the region numbers without a country code are read in.
func (a *server) csvRegion(r *http.Request) (string, error) {
	v := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("region")))
	if v == "" {
		return a.s.Contacts.Region, nil
	}
	// The phone package refuses a region it does not know for any number,
	// which tells a real country from two letters.
	if _, err := phone.Normalize("+14155550123", v); err != nil || !regionRE.MatchString(v) {
		return "", badRequest("region", "must be a two-letter country code, such as BR")
	}
	return v, nil
}

// uploadBroadcastAudience reads an audience list (text/csv, or the "file"
// part of a form) and says of each row which contact it names or why it
// cannot be used. With import=true it also creates contacts for new
// numbers and returns the audience of the good rows; nothing is written
// until the whole list has been read.
func (a *server) uploadBroadcastAudience(w http.ResponseWriter, r *http.Request) {
	var doImport bool
	switch r.URL.Query().Get("import") {
	case "", "false":
	case "true":
		doImport = true
	default:
		a.error(w, r, badRequest("import", "must be true or false"))
		return
	}
	if doImport {
		if err := requireManagerOf(r, manageBroadcasts); err != nil {
			a.error(w, r, err)
			return
		}
	}
	region, err := a.csvRegion(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	if r.ContentLength > maxCSV+formSlack {
		a.error(w, r, tooLarge(maxCSV))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCSV+formSlack)
	body, err := csvSource(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	var p broadcast.CSVPreview
	var aud *broadcast.Audience
	if doImport {
		var imported broadcast.Audience
		imported, p, err = a.s.Broadcasts.ImportCSV(r.Context(), ws, body, region)
		aud = &imported
	} else {
		p, err = a.s.Broadcasts.PreviewCSV(r.Context(), ws, body, region)
	}
	// The reader's own error says what was wrong with the request; the
	// service only saw a list it could not read.
	if body.err != nil {
		err = body.err
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, csvOut(p, aud))
}

// csvSource finds the list in the request.
func csvSource(r *http.Request) (*csvBody, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "text/csv":
		return &csvBody{r: r.Body}, nil
	case "multipart/form-data":
	default:
		return nil, problem.New(problem.BadRequest, "send the list as text/csv or multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, problem.New(problem.BadRequest, "malformed multipart body: %v", err)
	}
	part, err := mr.NextPart()
	switch {
	case err == io.EOF:
		return nil, problem.Field("file", "is required")
	case err != nil:
		return nil, formErr(err, maxCSV)
	case part.FormName() != "file":
		return nil, unknownPart(part.FormName())
	}
	// Nothing may follow the file: checked when it ends, before the service
	// acts on the list.
	rest := func() error {
		switch next, err := mr.NextPart(); {
		case err == io.EOF:
			return nil
		case err != nil:
			return formErr(err, maxCSV)
		case next.FormName() == "file":
			return problem.Field("file", "send one file")
		default:
			return unknownPart(next.FormName())
		}
	}
	return &csvBody{r: part, rest: rest}, nil
}

// csvBody is the list as the service reads it. It keeps why reading failed
// (too large, cut off, more form after the file), failing the read so that
// the service stops before writing anything.
type csvBody struct {
	r    io.Reader
	rest func() error
	err  error
}

func (b *csvBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.r.Read(p)
	switch {
	case err == io.EOF && b.rest != nil:
		rest := b.rest
		b.rest = nil
		if b.err = rest(); b.err != nil {
			return 0, b.err
		}
	case err != nil && err != io.EOF:
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			b.err = tooLarge(maxCSV)
		} else {
			b.err = problem.New(problem.BadRequest, "could not read the list: %v", err)
		}
		return 0, b.err
	}
	return n, err
}
