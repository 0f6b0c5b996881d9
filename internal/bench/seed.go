package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"charla/internal/auth"
	"charla/internal/channel"
	"charla/internal/core"
	"charla/internal/store"
)

// seeded is the workspace a seed produced, for the benchmarks that read it.
type seeded struct {
	owner    auth.User
	users    []auth.User
	channels []channel.Channel
	convIDs  []string
	open     int // conversations with status open
	took     time.Duration
}

// seedConv is what the seeder decides about one conversation before writing it.
type seedConv struct {
	id, contactID, channelID string
	status                   string
	assignee, team           sql.NullString
	unread                   int
	created, last            time.Time
	snoozed                  sql.NullTime
	msgs                     int
	lastBody                 string
}

// seed fills a fresh, migrated database with one realistic workspace: users
// and channels through the real services, then contacts, identities,
// conversations and messages as multi-row INSERTs in large transactions on
// the writer (the service calls would take hours at this size). The rows are
// what the services would write: same columns, same time encoding (time.Time
// through the same driver), same statuses.
func seed(ctx context.Context, w io.Writer, s *core.Services, nConv, nMsg int) (*seeded, error) {
	start := time.Now()
	rng := rand.New(rand.NewPCG(1, 2)) // fixed: every run seeds the same shape
	sd := &seeded{}
	var err error
	if sd.owner, err = s.Auth.Setup(ctx, "Bench", "owner@bench.test", "Bench Owner", benchPassword); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	sd.users = []auth.User{sd.owner}
	for i := 1; i < 10; i++ {
		u, err := s.Auth.CreateUser(ctx, sd.owner, fmt.Sprintf("agent%d@bench.test", i), fmt.Sprintf("Agent %d", i), benchPassword, auth.Agent)
		if err != nil {
			return nil, fmt.Errorf("create agent: %w", err)
		}
		sd.users = append(sd.users, u)
	}
	var teams []string
	for _, name := range []string{"Support", "Sales", "Billing"} {
		t, err := s.Auth.CreateTeam(ctx, sd.owner, name)
		if err != nil {
			return nil, fmt.Errorf("create team: %w", err)
		}
		teams = append(teams, t.ID)
	}
	for _, name := range []string{"Website", "Help centre", "Shop"} {
		ch, err := s.Channels.Create(ctx, sd.owner.WorkspaceID, "website", name, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("create channel: %w", err)
		}
		sd.channels = append(sd.channels, ch)
	}
	ws := sd.owner.WorkspaceID
	now := store.Now()
	convs := planConversations(rng, sd, teams, nConv, nMsg, now)

	var t table
	t.row("seed step", "rows", "seconds", "rows/s")
	step := func(name string, rows int, fn func(b *bulkWriter) error) error {
		st := time.Now()
		if err := bulkLoad(ctx, s.DB, fn); err != nil {
			return fmt.Errorf("seed %s: %w", name, err)
		}
		d := time.Since(st)
		t.row(name, rows, fmt.Sprintf("%.1f", d.Seconds()), fmt.Sprintf("%.0f", float64(rows)/d.Seconds()))
		return nil
	}

	err = step("contacts", len(convs), func(b *bulkWriter) error {
		ins := b.table("contacts", "id", "workspace_id", "name", "email", "phone", "attributes", "created_at", "updated_at")
		for i, c := range convs {
			name, email, phone, attrs := "", "", "", "{}"
			// Web chat visitors are often anonymous; the rest left a name and email, some a phone.
			if i%5 != 0 {
				first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
				name = first + " " + last
				email = strings.ToLower(first+"."+last) + strconv.Itoa(i) + "@example.com"
				attrs = `{"plan":"` + plans[i%len(plans)] + `"}`
			}
			if i%4 == 1 {
				phone = fmt.Sprintf("+1555%07d", i)
			}
			if err := ins.add(c.contactID, ws, name, email, phone, attrs, c.created, c.created); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = step("contact_identities", len(convs), func(b *bulkWriter) error {
			ins := b.table("contact_identities", "id", "workspace_id", "contact_id", "channel_id", "external_id", "created_at")
			for i, c := range convs {
				if err := ins.add(newID(), ws, c.contactID, c.channelID, "visitor-"+strconv.Itoa(i), c.created); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = step("conversations", len(convs), func(b *bulkWriter) error {
			ins := b.table("conversations", "id", "workspace_id", "channel_id", "contact_id", "status", "assignee_id", "team_id",
				"unread_count", "bot_paused", "last_message_preview", "last_activity_at", "last_inbound_at", "snoozed_until",
				"created_at", "updated_at")
			for _, c := range convs {
				if err := ins.add(c.id, ws, c.channelID, c.contactID, c.status, c.assignee, c.team, c.unread, false,
					preview(c.lastBody), c.last, c.last, c.snoozed, c.created, c.last); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = step("messages", nMsg, func(b *bulkWriter) error {
			return seedMessages(rng, b, sd, convs, ws)
		})
	}
	if err != nil {
		return nil, err
	}
	st := time.Now()
	if err := analyze(ctx, s.DB); err != nil {
		return nil, err
	}
	t.row("ANALYZE", "", fmt.Sprintf("%.1f", time.Since(st).Seconds()), "")
	sd.took = time.Since(start)
	t.row("total (incl. users, channels)", len(convs)*3+nMsg, fmt.Sprintf("%.1f", sd.took.Seconds()),
		fmt.Sprintf("%.0f", float64(len(convs)*3+nMsg)/sd.took.Seconds()))
	t.print(w)
	for _, c := range convs {
		sd.convIDs = append(sd.convIDs, c.id)
		if c.status == "open" {
			sd.open++
		}
	}
	return sd, nil
}

// planConversations decides every conversation: mostly closed history, a
// recent open queue, assignments spread over the ten users.
func planConversations(rng *rand.Rand, sd *seeded, teams []string, n, nMsg int, now time.Time) []seedConv {
	convs := make([]seedConv, n)
	// Messages per conversation: at least one each, the rest exponentially
	// spread, so a few long threads and many short ones.
	base := 0
	if nMsg >= n {
		base = 1
	}
	weights := make([]float64, n)
	var sum float64
	for i := range weights {
		weights[i] = rng.ExpFloat64()
		sum += weights[i]
	}
	left := nMsg - base*n
	given := 0
	for i := range convs {
		convs[i].msgs = base + int(weights[i]/sum*float64(nMsg-base*n))
		given += convs[i].msgs - base
	}
	for left -= given; left > 0; left-- {
		convs[rng.IntN(n)].msgs++
	}
	day := 24 * time.Hour
	for i := range convs {
		c := &convs[i]
		c.id, c.contactID = newID(), newID()
		c.channelID = sd.channels[i%len(sd.channels)].ID
		r := rng.Float64()
		switch {
		case r < 0.15:
			c.status = "open"
		case r < 0.20:
			c.status = "pending"
		case r < 0.23:
			c.status = "snoozed"
			c.snoozed = sql.NullTime{Time: now.Add(time.Duration(1+rng.IntN(72)) * time.Hour), Valid: true}
		default:
			c.status = "closed"
		}
		// Open work is recent; history goes back a year.
		if c.status == "closed" {
			c.last = now.Add(-time.Duration(rng.Int64N(int64(365 * day))))
		} else {
			c.last = now.Add(-time.Duration(rng.ExpFloat64() * float64(3*day)))
		}
		c.last = c.last.Truncate(time.Microsecond)
		c.created = c.last.Add(-time.Duration(rng.Int64N(int64(14 * day)))).Truncate(time.Microsecond)
		if c.status != "open" || rng.IntN(10) < 6 {
			c.assignee = sql.NullString{String: sd.users[rng.IntN(len(sd.users))].ID, Valid: true}
		}
		if rng.IntN(10) < 4 {
			c.team = sql.NullString{String: teams[rng.IntN(len(teams))], Valid: true}
		}
		if c.status == "open" && rng.IntN(2) == 0 {
			c.unread = 1 + rng.IntN(3)
		}
		c.lastBody = sentence(rng)
	}
	return convs
}

// seedMessages writes each conversation's thread from its first message to
// its last activity. Threads are generated a block of conversations at a time
// and shuffled within the block, so one conversation's rows are not stored
// side by side as they would not be in a real database.
func seedMessages(rng *rand.Rand, b *bulkWriter, sd *seeded, convs []seedConv, ws string) error {
	ins := b.table("messages", "id", "workspace_id", "conversation_id", "channel_id", "direction", "sender_type", "sender_id",
		"body", "status", "error_code", "error_reason", "provider_message_id", "created_at", "updated_at")
	type row struct {
		conv                  *seedConv
		at                    time.Time
		dir, senderType, body string
		sender                sql.NullString
		status                string
	}
	const block = 2000
	var rows []row
	for lo := 0; lo < len(convs); lo += block {
		rows = rows[:0]
		for i := lo; i < min(lo+block, len(convs)); i++ {
			c := &convs[i]
			span := c.last.Sub(c.created)
			for k := range c.msgs {
				at := c.last
				if k < c.msgs-1 {
					at = c.created.Add(span * time.Duration(k) / time.Duration(c.msgs)).Truncate(time.Microsecond)
				}
				r := row{conv: c, at: at, dir: "incoming", senderType: "contact", status: "delivered",
					sender: sql.NullString{String: c.contactID, Valid: true}, body: sentence(rng)}
				last := k == c.msgs-1
				if last {
					r.body = c.lastBody
				}
				// First message and unread tails are the contact's; the rest alternate, with some notes.
				if k > 0 && !(last && c.unread > 0) {
					switch x := rng.IntN(100); {
					case x < 45:
						agent := sd.users[rng.IntN(len(sd.users))].ID
						r.dir, r.senderType, r.status, r.sender = "outgoing", "user", "read", sql.NullString{String: agent, Valid: true}
					case x < 48:
						agent := sd.users[rng.IntN(len(sd.users))].ID
						r.dir, r.senderType, r.status, r.sender = "note", "user", "sent", sql.NullString{String: agent, Valid: true}
					}
				}
				rows = append(rows, r)
			}
		}
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
		for _, r := range rows {
			if err := ins.add(newID(), ws, r.conv.id, r.conv.channelID, r.dir, r.senderType, r.sender, r.body, r.status,
				"", "", sql.NullString{}, r.at, r.at); err != nil {
				return err
			}
		}
	}
	return nil
}

// analyze refreshes planner statistics after the bulk load, as a database
// that has been running for a while has them. On PostgreSQL only this
// benchmark's tables are named: a bare VACUUM would walk every schema.
func analyze(ctx context.Context, d *store.DB) error {
	if d.Dialect == store.Postgres {
		_, err := d.W.ExecContext(ctx, "VACUUM (ANALYZE) workspaces, users, teams, channels, contacts, contact_identities, conversations, messages, attachments")
		return err
	}
	if _, err := d.W.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	// Fold the bulk load's WAL into the database file, so reads start from a steady state.
	_, err := d.W.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// bulkWriter loads rows in transactions of txRows rows, as multi-row INSERTs.
type bulkWriter struct {
	ctx    context.Context
	d      *store.DB
	tx     *sql.Tx
	inTx   int
	tables []*bulkTable
}

const txRows = 50_000

// bulkLoad runs fn with a writer and commits what it added.
func bulkLoad(ctx context.Context, d *store.DB, fn func(*bulkWriter) error) error {
	b := &bulkWriter{ctx: ctx, d: d}
	err := fn(b)
	if err == nil {
		err = b.commit()
	}
	if err != nil && b.tx != nil {
		_ = b.tx.Rollback()
	}
	return err
}

func (b *bulkWriter) begin() error {
	if b.tx != nil {
		return nil
	}
	tx, err := b.d.W.BeginTx(b.ctx, nil)
	if err != nil {
		return err
	}
	b.tx, b.inTx = tx, 0
	for _, t := range b.tables {
		t.stmt = nil // statements are per transaction
	}
	return nil
}

func (b *bulkWriter) commit() error {
	for _, t := range b.tables {
		if err := t.flush(); err != nil {
			return err
		}
	}
	if b.tx == nil {
		return nil
	}
	err := b.tx.Commit()
	b.tx = nil
	return err
}

// bulkTable batches rows of one table into INSERTs of perStmt rows.
type bulkTable struct {
	b       *bulkWriter
	head    string
	ncol    int
	perStmt int
	stmt    *sql.Stmt
	args    []any
}

func (b *bulkWriter) table(name string, cols ...string) *bulkTable {
	// Both databases bound the parameters of one statement (SQLite 32,766,
	// PostgreSQL 65,535); 500 rows stays far below and already amortises the
	// per-statement cost.
	t := &bulkTable{b: b, head: "INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES ",
		ncol: len(cols), perStmt: min(500, 30000/len(cols))}
	b.tables = append(b.tables, t)
	return t
}

func (t *bulkTable) add(vals ...any) error {
	if len(vals) != t.ncol {
		return fmt.Errorf("bulk insert: %d values for %d columns", len(vals), t.ncol)
	}
	t.args = append(t.args, vals...)
	if len(t.args) < t.ncol*t.perStmt {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	if t.b.inTx >= txRows {
		return t.b.commit()
	}
	return nil
}

func (t *bulkTable) flush() error {
	n := len(t.args) / t.ncol
	if n == 0 {
		return nil
	}
	if err := t.b.begin(); err != nil {
		return err
	}
	var err error
	if n == t.perStmt {
		if t.stmt == nil {
			if t.stmt, err = t.b.tx.PrepareContext(t.b.ctx, t.head+placeholders(t.b.d.Dialect, t.ncol, n)); err != nil {
				return err
			}
		}
		_, err = t.stmt.ExecContext(t.b.ctx, t.args...)
	} else {
		_, err = t.b.tx.ExecContext(t.b.ctx, t.head+placeholders(t.b.d.Dialect, t.ncol, n), t.args...)
	}
	t.b.inTx += n
	t.args = t.args[:0]
	return err
}

// placeholders is "($1, $2), ($3, $4)" for ncol columns and n rows, or with
// "?" on SQLite: the modernc driver looks each $N up by name in a list, which
// makes binding thousands of $N parameters quadratic (70% of seeding time).
func placeholders(d store.Dialect, ncol, n int) string {
	var sb strings.Builder
	p := 1
	for r := range n {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range ncol {
			if c > 0 {
				sb.WriteString(", ")
			}
			if d == store.SQLite {
				sb.WriteByte('?')
				continue
			}
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(p))
			p++
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// preview mirrors the inbox's one-line summary (first 140 characters).
func preview(body string) string {
	if r := []rune(body); len(r) > 140 {
		return string(r[:140]) + "…"
	}
	return body
}

var (
	firstNames = []string{"Ana", "Ben", "Carla", "Dmitri", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kenji", "Lucia", "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Victor", "Wen", "Yara", "Zoe"}
	lastNames  = []string{"Silva", "Müller", "García", "Kowalski", "Nguyen", "Okafor", "Rossi", "Sato", "Schmidt", "Dubois", "Jensen", "Haddad", "Novak", "Costa", "Andersson", "Patel", "Moreau", "Lindqvist", "Fischer", "Ortega"}
	plans      = []string{"free", "starter", "pro", "business"}
	phrases    = []string{
		"Hi, I have a question about my order.", "Where is my package?", "Thanks, that worked!",
		"Can I change the delivery address?", "The payment failed twice, what should I do?",
		"I would like a refund for the blue jacket.", "Do you ship to Portugal?", "Is this available in size M?",
		"Our invoice shows the wrong VAT number.", "Could you send me the tracking link again?",
		"Perfect, thank you so much for the quick help.", "I can't log in to my account since yesterday.",
		"How long does the return process usually take?", "Let me check with the warehouse and get back to you.",
		"I've issued the refund; it should arrive in 3–5 business days.", "Can you upgrade us to the business plan?",
		"The discount code SPRING24 is not accepted at checkout.", "We need five more seats for our team.",
	}
)

// sentence is a message body of one to three phrases.
func sentence(rng *rand.Rand) string {
	n := 1 + rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = phrases[rng.IntN(len(phrases))]
	}
	return strings.Join(parts, " ")
}
