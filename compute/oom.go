package compute

import (
	"context"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/events"
	"github.com/docker/docker/api/types/filters"
)

// oomEventSeen asks the engine's event log whether the container had an
// "oom" event since it started, waiting up to a second for a late one.
// Docker can lose State.OOMKilled when the OOM notice races the exit
// notice; the event itself is still logged.
func (e *Engine) oomEventSeen(ctx context.Context, cid string, since time.Time) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	msgs, errs := e.cli.Events(ctx, events.ListOptions{
		Since:   strconv.FormatInt(since.Unix()-1, 10),
		Until:   strconv.FormatInt(time.Now().Add(time.Second).Unix()+1, 10),
		Filters: filters.NewArgs(filters.Arg("container", cid), filters.Arg("event", "oom")),
	})
	for {
		select {
		case m := <-msgs:
			if m.Action == events.ActionOOM {
				return true
			}
		case <-errs: // io.EOF once "until" has passed
			return false
		}
	}
}
