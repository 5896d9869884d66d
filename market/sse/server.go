package sse

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kinetic-compute/kinetic/internal/jobid"
)

// KeepAlive is how often Serve writes a comment line on an idle stream.
const KeepAlive = 15 * time.Second

// Serve streams job id's log to w from the event after the request's
// Last-Event-ID (from the start without one), flushing after each batch,
// until the log's end event is sent or the request ends. A malformed
// Last-Event-ID answers 400.
func Serve(w http.ResponseWriter, r *http.Request, l *Log, id jobid.ID) {
	var after uint64
	if h := r.Header.Get("Last-Event-ID"); h != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(h), 10, 64)
		if err != nil {
			http.Error(w, "Last-Event-ID must be an event id", http.StatusBadRequest)
			return
		}
		after = n
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// A stream outlives the server's WriteTimeout; each write gets its own.
	keep := time.NewTicker(KeepAlive)
	defer keep.Stop()
	for {
		wake := l.Wait(id)
		events, closed, err := l.Since(id, after, 256)
		if err != nil {
			return
		}
		if len(events) > 0 {
			var buf bytes.Buffer
			for _, ev := range events {
				writeEvent(&buf, ev)
			}
			_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := w.Write(buf.Bytes()); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
			after = events[len(events)-1].ID
			if events[len(events)-1].Type == EndType {
				return
			}
			continue
		}
		if closed {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		case <-keep.C:
			_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// writeEvent writes one event in the text/event-stream format; data with
// newlines becomes several data lines, which a reader joins with "\n".
func writeEvent(buf *bytes.Buffer, ev Event) {
	fmt.Fprintf(buf, "id: %d\nevent: %s\n", ev.ID, ev.Type)
	fmt.Fprintf(buf, "data: {\"time\":%q,\"data\":", ev.Time.Format(time.RFC3339Nano))
	data := ev.Data
	if len(data) == 0 {
		data = []byte("null")
	}
	for i, line := range bytes.Split(data, []byte("\n")) {
		if i > 0 {
			buf.WriteString("\ndata: ")
		}
		buf.Write(line)
	}
	buf.WriteString("}\n\n")
}
