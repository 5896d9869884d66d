package compute

import (
	"context"
	"fmt"
	"sync"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

// logPump demultiplexes a container's log stream into log events, passing
// on at most capBytes and counting the rest.
type logPump struct {
	job *Job
	cap int64

	mu        sync.Mutex
	passed    int64
	total     int64
	truncated bool
}

func newLogPump(j *Job, capBytes int64) *logPump { return &logPump{job: j, cap: capBytes} }

// run follows the logs until the container stops or ctx is cancelled.
func (p *logPump) run(ctx context.Context, cli client.APIClient, cid string) {
	rc, err := cli.ContainerLogs(ctx, cid, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		p.job.emit(Event{Kind: EventLog, Stream: "kinetic", Data: fmt.Appendf(nil, "log stream unavailable: %v\n", err)})
		return
	}
	defer rc.Close()
	_, _ = stdcopy.StdCopy(p.writer("stdout"), p.writer("stderr"), rc)
}

func (p *logPump) totals() (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total, p.truncated
}

type streamWriter struct {
	p      *logPump
	stream string
}

func (p *logPump) writer(stream string) *streamWriter { return &streamWriter{p: p, stream: stream} }

// Write passes on what fits under the cap; the first write over it emits a
// note on stream "kinetic". It never fails, so the stream keeps draining.
func (w *streamWriter) Write(b []byte) (int, error) {
	p := w.p
	p.mu.Lock()
	p.total += int64(len(b))
	room := max(0, p.cap-p.passed)
	chunk := b[:min(int64(len(b)), room)]
	p.passed += int64(len(chunk))
	noteNow := int64(len(chunk)) < int64(len(b)) && !p.truncated
	if noteNow {
		p.truncated = true
	}
	p.mu.Unlock()
	if len(chunk) > 0 {
		p.job.emit(Event{Kind: EventLog, Stream: w.stream, Data: append([]byte(nil), chunk...)})
	}
	if noteNow {
		p.job.emit(Event{Kind: EventLog, Stream: "kinetic", Data: fmt.Appendf(nil, "[log truncated at %d bytes]\n", p.cap)})
	}
	return len(b), nil
}
