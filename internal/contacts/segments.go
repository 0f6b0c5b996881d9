package contacts

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"charla/internal/problem"
	"charla/internal/store"
	"charla/internal/store/db"
)

// Segment is a saved, named Filter; its members are counted live (Count).
type Segment struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Filter    Filter    `json:"filter"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SegmentInput carries a create or a partial update: nil fields are left as
// they are (a new segment without a filter matches every contact).
type SegmentInput struct {
	Name   *string
	Filter *Filter
}

const maxSegmentName = 100

// CreateSegment saves a segment; names are unique within a workspace.
func (s *Service) CreateSegment(ctx context.Context, ws string, in SegmentInput) (Segment, error) {
	if in.Name == nil {
		in.Name = new(string)
	}
	row := db.Segment{WorkspaceID: ws, Filter: "{}"}
	if err := applySegment(&row, in); err != nil {
		return Segment{}, err
	}
	id, _ := uuid.NewV7()
	row.ID = id.String()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		err := tx.Q.CreateSegment(ctx, db.CreateSegmentParams{ID: row.ID, WorkspaceID: ws, Name: row.Name, Filter: row.Filter, CreatedAt: store.Now()})
		return segmentConflict(err, row.Name)
	})
	if err != nil {
		return Segment{}, err
	}
	return s.GetSegment(ctx, ws, row.ID)
}

// GetSegment returns one segment of workspace ws.
func (s *Service) GetSegment(ctx context.Context, ws, id string) (Segment, error) {
	row, err := s.db.Q.GetSegment(ctx, db.GetSegmentParams{WorkspaceID: ws, ID: id})
	if err != nil {
		return Segment{}, segmentNotFound(err)
	}
	return segmentFromRow(row), nil
}

// ListSegments returns the workspace's segments by name, without counts:
// each count is a query of its own (Count), which a page can load lazily.
func (s *Service) ListSegments(ctx context.Context, ws string) ([]Segment, error) {
	rows, err := s.db.Q.ListSegments(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := make([]Segment, len(rows))
	for i, r := range rows {
		out[i] = segmentFromRow(r)
	}
	return out, nil
}

// UpdateSegment changes the fields of in that are set.
func (s *Service) UpdateSegment(ctx context.Context, ws, id string, in SegmentInput) (Segment, error) {
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		row, err := tx.Q.GetSegment(ctx, db.GetSegmentParams{WorkspaceID: ws, ID: id})
		if err != nil {
			return segmentNotFound(err)
		}
		if err := applySegment(&row, in); err != nil {
			return err
		}
		_, err = tx.Q.UpdateSegment(ctx, db.UpdateSegmentParams{WorkspaceID: ws, ID: id, Name: row.Name, Filter: row.Filter, UpdatedAt: store.Now()})
		return segmentConflict(err, row.Name)
	})
	if err != nil {
		return Segment{}, err
	}
	return s.GetSegment(ctx, ws, id)
}

// DeleteSegment removes a saved segment; contacts are untouched.
func (s *Service) DeleteSegment(ctx context.Context, ws, id string) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Q.DeleteSegment(ctx, db.DeleteSegmentParams{WorkspaceID: ws, ID: id})
		if err == nil && n == 0 {
			return problem.NotFoundf("segment")
		}
		return err
	})
}

// applySegment validates in and writes it onto row; filter problems are
// reported under "filter.", as the API body nests them.
func applySegment(row *db.Segment, in SegmentInput) error {
	fields := problem.Fields{}
	if in.Name != nil {
		row.Name = strings.TrimSpace(*in.Name)
		if row.Name == "" || utf8.RuneCountInString(row.Name) > maxSegmentName {
			fields.Add("name", "must be 1 to 100 characters")
		}
	}
	if in.Filter != nil {
		if err := in.Filter.Validate(); err != nil {
			for k, v := range problem.As(err).Fields {
				fields.Add("filter."+k, v)
			}
		} else {
			f := *in.Filter
			f.CreatedFrom, f.CreatedTo = inUTC(f.CreatedFrom), inUTC(f.CreatedTo)
			b, _ := json.Marshal(f)
			row.Filter = string(b)
		}
	}
	return fields.Err()
}

// inUTC stores times as every other time is stored, whatever zone the client sent.
func inUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func segmentFromRow(r db.Segment) Segment {
	sg := Segment{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	// Written by applySegment from a valid Filter, so it always decodes.
	_ = json.Unmarshal([]byte(r.Filter), &sg.Filter)
	return sg
}

func segmentConflict(err error, name string) error {
	if store.IsUniqueViolation(err) {
		return &problem.Error{Kind: problem.Conflict, Message: fmt.Sprintf("a segment named %q already exists", name),
			Fields: map[string]string{"name": "is already used by another segment"}}
	}
	return err
}

func segmentNotFound(err error) error {
	if store.NotFound(err) == store.ErrNotFound {
		return problem.NotFoundf("segment")
	}
	return err
}
