package sse

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// OpenFunc opens the stream anew, asking for the events after lastID (it
// sets Last-Event-ID when lastID > 0, and whatever authentication the
// server wants).
type OpenFunc func(ctx context.Context, lastID uint64) (*http.Response, error)

// StatusError is a stream request the server refused; Follow does not retry
// a 4xx other than 408 and 429.
type StatusError struct{ Code int }

// Error names the refused status.
func (e *StatusError) Error() string { return fmt.Sprintf("sse: stream refused: HTTP %d", e.Code) }

// maxLine bounds one line of the stream.
const maxLine = 1 << 20

// Follow reads the stream from the event after lastID, calling fn once for
// each event in id order, reconnecting after a cut with Last-Event-ID set
// to the last event fn received (after 100 ms, doubling up to 5 s while
// connections deliver nothing, back to 100 ms after one that did), until
// the end event (given to fn too), an
// error from fn, a refused request or ctx's end. It returns the last id fn
// received.
func Follow(ctx context.Context, open OpenFunc, lastID uint64, fn func(Event) error) (uint64, error) {
	const firstBackoff = 100 * time.Millisecond
	backoff := firstBackoff
	for {
		before := lastID
		done, err := followOnce(ctx, open, &lastID, fn)
		if done || err != nil && !errors.Is(err, errRetry) {
			return lastID, err
		}
		if lastID > before {
			backoff = firstBackoff // that connection worked: a new cut starts over
		}
		if err := pause(ctx, backoff); err != nil {
			return lastID, err
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}

// pause waits d before a reconnect, or returns ctx's error (a variable so
// that a test can record the waits instead of sleeping them).
var pause = func(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var errRetry = errors.New("sse: reconnect")

type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

func followOnce(ctx context.Context, open OpenFunc, last *uint64, fn func(Event) error) (bool, error) {
	resp, err := open(ctx, *last)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, fmt.Errorf("%w: %v", errRetry, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c := resp.StatusCode
		if c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests {
			return false, &StatusError{Code: c}
		}
		return false, fmt.Errorf("%w: HTTP %d", errRetry, c)
	}
	done, err := parse(resp.Body, last, fn)
	var fe fnError
	if errors.As(err, &fe) {
		return false, fe.err
	}
	if done {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return false, fmt.Errorf("%w: stream ended: %v", errRetry, err)
}

// parse reads events until the end event (true) or the stream breaks. Only
// an event completed by its blank line is delivered, so a cut mid-event
// delivers nothing of it.
func parse(r io.Reader, last *uint64, fn func(Event) error) (bool, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var id, typ string
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if id == "" && len(data) == 0 {
				continue
			}
			ev, err := assemble(id, typ, data)
			id, typ, data = "", "", nil
			if err != nil {
				return false, err
			}
			if ev.ID <= *last {
				continue // already delivered
			}
			if ev.ID != *last+1 {
				return false, fmt.Errorf("sse: event %d after %d: gap", ev.ID, *last)
			}
			if err := fn(ev); err != nil {
				return false, fnError{err}
			}
			*last = ev.ID
			if ev.Type == EndType {
				return true, nil
			}
			continue
		}
		if strings.HasPrefix(line, ":") {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			id = value
		case "event":
			typ = value
		case "data":
			data = append(data, value)
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	return false, io.ErrUnexpectedEOF
}

func assemble(id, typ string, data []string) (Event, error) {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n == 0 {
		return Event{}, fmt.Errorf("sse: event without a valid id (%q)", id)
	}
	var body struct {
		Time time.Time       `json:"time"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &body); err != nil {
		return Event{}, fmt.Errorf("sse: event %d data: %w", n, err)
	}
	if typ == "" {
		typ = "message"
	}
	return Event{ID: n, Type: typ, Time: body.Time, Data: body.Data}, nil
}
