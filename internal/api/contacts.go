package api

import (
	"net/http"
	"regexp"
	"unicode/utf8"

	"charla/internal/contacts"
	"charla/internal/httpx"
	"charla/internal/problem"
)

func (a *server) listContacts(w http.ResponseWriter, r *http.Request) {
	q, err := search(r, "q")
	if err != nil {
		a.error(w, r, err)
		return
	}
	cursor, limit, err := page(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	after, err := parseIDCursor(cursor)
	if err != nil {
		a.error(w, r, err)
		return
	}
	segmentID, err := idQuery(r, "segment_id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var p contacts.Page
	if segmentID == "" {
		p, err = a.s.Contacts.List(r.Context(), user(r).WorkspaceID, q, after, limit)
	} else {
		p, err = a.listInSegment(r, segmentID, q, after, limit)
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, listOf(p.Contacts, idCursor(p.Next), contactOut))
}

// listInSegment lists the contacts of a saved segment, narrowed by q. A
// filter holds one search, so q cannot narrow a segment that has its own.
func (a *server) listInSegment(r *http.Request, id, q, after string, limit int) (contacts.Page, error) {
	ws := user(r).WorkspaceID
	sg, err := a.s.Contacts.GetSegment(r.Context(), ws, id)
	if problem.Is(err, problem.NotFound) {
		return contacts.Page{}, badRequest("segment_id", "must be a segment of this workspace")
	}
	if err != nil {
		return contacts.Page{}, err
	}
	if q != "" {
		if sg.Filter.Query != "" {
			return contacts.Page{}, badRequest("q", "this segment already searches by text; list it without q")
		}
		sg.Filter.Query = q
	}
	return a.s.Contacts.ListFiltered(r.Context(), ws, sg.Filter, after, limit)
}

// contactFields are the fields create and update share.
type contactFields struct {
	Name       *string        `json:"name"`
	Email      *string        `json:"email"`
	Phone      *string        `json:"phone"`
	Attributes map[string]any `json:"attributes"`
}

type createContactRequest struct {
	contactFields
	Tags []string `json:"tags"`
}

// check enforces the spec limits the contacts service does not check itself;
// it validates names, emails, phones and attributes.
func (c contactFields) check(f problem.Fields) {
	if c.Phone != nil && utf8.RuneCountInString(*c.Phone) > 32 {
		f.Add("phone", "must be at most 32 characters")
	}
}

func (c contactFields) input() contacts.Input {
	return contacts.Input{Name: c.Name, Email: c.Email, Phone: c.Phone, Attributes: c.Attributes}
}

func (c contactFields) empty() bool {
	return c.Name == nil && c.Email == nil && c.Phone == nil && c.Attributes == nil
}

// tagRE is the spec's Tag pattern; the service lowercases tags and refuses
// commas, but does not refuse "/" or surrounding space.
var tagRE = regexp.MustCompile(`^[^/,\s](?:[^/,\n]*[^/,\s])?$`)

func checkTags(f problem.Fields, tags []string) {
	if len(tags) > 100 {
		f.Add("tags", "at most 100 tags")
		return
	}
	for _, t := range tags {
		if utf8.RuneCountInString(t) > 64 || !tagRE.MatchString(t) {
			f.Add("tags", "each tag must be 1 to 64 characters, without / or commas, and not start or end with a space")
			return
		}
	}
}

func (a *server) createContact(w http.ResponseWriter, r *http.Request) {
	var req createContactRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	req.check(f)
	checkTags(f, req.Tags)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	in := req.input()
	in.Tags = req.Tags
	c, err := a.s.Contacts.Create(r.Context(), user(r).WorkspaceID, in)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusCreated, contactOut(c))
}

func (a *server) getContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Contacts.Get(r.Context(), user(r).WorkspaceID, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, contactOut(c))
}

func (a *server) updateContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req contactFields
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	req.check(f)
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	ws := user(r).WorkspaceID
	var c contacts.Contact
	if req.empty() {
		// "An empty body changes nothing": not even updated_at.
		c, err = a.s.Contacts.Get(r.Context(), ws, id)
	} else {
		c, err = a.s.Contacts.Update(r.Context(), ws, id, req.input())
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, contactOut(c))
}

func (a *server) deleteContact(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.s.Contacts.Delete(r.Context(), user(r).WorkspaceID, id); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type addTagsRequest struct {
	Tags []string `json:"tags"`
}

func (a *server) addContactTags(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var req addTagsRequest
	if err := httpx.Decode(w, r, &req); err != nil {
		a.error(w, r, err)
		return
	}
	f := problem.Fields{}
	switch {
	case req.Tags == nil:
		f.Add("tags", "is required")
	case len(req.Tags) == 0:
		f.Add("tags", "give at least one tag")
	default:
		checkTags(f, req.Tags)
	}
	if err := f.Err(); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Contacts.AddTags(r.Context(), user(r).WorkspaceID, id, req.Tags)
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, contactOut(c))
}

func (a *server) removeContactTag(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "contact_id", "contact")
	if err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.s.Contacts.RemoveTag(r.Context(), user(r).WorkspaceID, id, pathParam(r, "tag"))
	if err != nil {
		a.error(w, r, err)
		return
	}
	httpx.JSON(w, http.StatusOK, contactOut(c))
}
