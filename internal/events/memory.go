package events

import "context"

type memoryBus struct{ hub *hub }

// NewMemory returns an in-process bus: events reach only subscribers of this
// process. Use it with SQLite, where there is a single instance.
func NewMemory(opts ...Option) Bus {
	c := newConfig(opts)
	return &memoryBus{hub: newHub(c.bufferSize)}
}

func (b *memoryBus) Publish(ctx context.Context, e Event) error {
	if err := e.validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !b.hub.deliver(e) {
		return ErrClosed
	}
	return nil
}

func (b *memoryBus) Subscribe(workspace string) *Subscription { return b.hub.subscribe(workspace) }

func (b *memoryBus) Close() error {
	b.hub.close()
	return nil
}
