package jobs

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"charla/internal/store"
)

// insertManyTx runs River's insert inside our transaction. The store speaks
// database/sql (pgx's stdlib driver), River's PostgreSQL driver speaks pgx,
// and database/sql offers no way from a *sql.Tx to its connection (River's
// database/sql driver does not resolve at v0.49.0). pgx does: a QueryRewriter
// passed as a statement's first argument is handed the *pgx.Conn that runs
// the statement, and the stdlib driver passes arguments through untouched.
// So we "execute" an empty statement whose rewriter does River's insert on
// that connection, inside our open transaction, and rewrites the statement
// to nothing.
func (c pgClient) insertManyTx(ctx context.Context, tx *store.Tx, params []river.InsertManyParams) error {
	var (
		ran       bool
		insertErr error
	)
	_, err := tx.X.ExecContext(ctx, "", rewriter(func(ctx context.Context, conn *pgx.Conn) {
		ran = true
		_, insertErr = c.InsertManyTx(ctx, connTx{conn}, params)
	}))
	switch {
	case insertErr != nil:
		return insertErr
	case err != nil:
		return err
	case !ran:
		return errors.New("jobs: the transaction is not on pgx's database/sql driver")
	}
	return nil
}

// rewriter runs f with the connection a statement is about to run on and
// replaces the statement with an empty one.
type rewriter func(ctx context.Context, conn *pgx.Conn)

func (r rewriter) RewriteQuery(ctx context.Context, conn *pgx.Conn, _ string, _ []any) (string, []any, error) {
	r(ctx, conn)
	return "", nil, nil
}

// connTx presents a connection with a transaction already open on it as a
// pgx.Tx. Its statements run in that transaction; ending the transaction
// belongs to its owner, so Begin, Commit and Rollback refuse.
type connTx struct{ c *pgx.Conn }

var errNotOwned = errors.New("jobs: the transaction belongs to the caller")

func (t connTx) Begin(context.Context) (pgx.Tx, error) { return nil, errNotOwned }
func (t connTx) Commit(context.Context) error          { return errNotOwned }
func (t connTx) Rollback(context.Context) error        { return errNotOwned }
func (t connTx) Conn() *pgx.Conn                       { return t.c }
func (t connTx) LargeObjects() pgx.LargeObjects        { return pgx.LargeObjects{} }

func (t connTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.c.CopyFrom(ctx, table, cols, src)
}

func (t connTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.c.SendBatch(ctx, b)
}

func (t connTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.c.Prepare(ctx, name, sql)
}

func (t connTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.c.Exec(ctx, sql, args...)
}

func (t connTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}

func (t connTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.c.QueryRow(ctx, sql, args...)
}

var _ pgx.Tx = connTx{}
