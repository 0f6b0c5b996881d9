package outbound

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/riverqueue/river"

	"charla/internal/channel"
	"charla/internal/inbox"
	"charla/internal/store"
)

// mediaAttempts bounds the tries to fetch one file (about 4 minutes of backoff).
const mediaAttempts = 8

// FetchMediaArgs is a job to copy a provider-held file into the blob store.
type FetchMediaArgs struct {
	AttachmentID string `json:"attachment_id"`
}

func (FetchMediaArgs) Kind() string { return "fetch_media" }

// FetchMediaTx enqueues the fetch in the caller's transaction.
func (p *Pipeline) FetchMediaTx(ctx context.Context, tx *store.Tx, attachmentID string) error {
	return p.jobs.InsertTx(ctx, tx, FetchMediaArgs{AttachmentID: attachmentID},
		&river.InsertOpts{Priority: priorityUrgent, MaxAttempts: mediaAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}})
}

type mediaWorker struct {
	river.WorkerDefaults[FetchMediaArgs]
	p *Pipeline
}

func (w *mediaWorker) NextRetry(job *river.Job[FetchMediaArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt))
}

// Work fetches the file; a failure that won't heal, or the last attempt,
// marks it "media unavailable" — the message itself is never lost.
func (w *mediaWorker) Work(ctx context.Context, job *river.Job[FetchMediaArgs]) error {
	p := w.p
	j, err := p.inbox.PendingMedia(ctx, job.Args.AttachmentID)
	if err != nil || j.Done {
		return err
	}
	err = p.fetch(ctx, j)
	if err == nil {
		return nil
	}
	d := channel.AsDeliveryError(err)
	if d.Retryable && job.Attempt < job.MaxAttempts {
		return err
	}
	reason := d.Reason
	if job.Attempt >= job.MaxAttempts && d.Retryable {
		reason = fmt.Sprintf("gave up after %d attempts: %s", job.Attempt, d.Reason)
	}
	return p.inbox.MediaUnavailable(ctx, j.AttachmentID, reason)
}

func (p *Pipeline) fetch(ctx context.Context, j inbox.MediaJob) error {
	t, _ := p.channels.Types().Get(j.Channel.Type)
	f, ok := t.(channel.MediaFetcher)
	if !ok {
		return &channel.DeliveryError{Reason: "this channel does not hold media"}
	}
	secrets, err := p.channels.Secrets(j.Channel)
	if err != nil {
		return err
	}
	m, err := f.FetchMedia(ctx, j.Channel, secrets, j.MediaID)
	if err != nil {
		return err
	}
	defer m.Body.Close()
	max := t.Capabilities().MaxAttachmentBytes
	if max > 0 && m.Size > max {
		return &channel.DeliveryError{Reason: fmt.Sprintf("the file is %d bytes, more than the %d this channel accepts", m.Size, max)}
	}
	ctype := m.ContentType
	if j.ContentType != "" {
		// The webhook's declared type is what the contact's app sent; the
		// download's header may be generic.
		ctype = j.ContentType
	}
	body := io.Reader(m.Body)
	if max > 0 {
		body = io.LimitReader(m.Body, max+1)
	}
	stored, err := p.inbox.StoreUpload(ctx, j.Workspace, inbox.Upload{Filename: j.Filename, ContentType: ctype, Body: body})
	if err != nil {
		return &channel.DeliveryError{Reason: "could not store the file: " + err.Error(), Retryable: true, Err: err}
	}
	if max > 0 && stored.Size > max {
		_ = p.blobs.Delete(context.WithoutCancel(ctx), stored.Key)
		return &channel.DeliveryError{Reason: fmt.Sprintf("the file is larger than the %d bytes this channel accepts", max)}
	}
	return p.inbox.MediaStored(ctx, j, stored)
}
