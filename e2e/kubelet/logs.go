package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
)

// logs answers a container's log request from its run files, as the
// kubelet does: the current run (the running one, else the last one that
// ended), or with Previous the run in the last (terminated) state; since,
// tail, limit and timestamps applied; Follow keeps reading until the run
// ends.
func (rt *runtime) logs(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	return rt.openLog(ctx, namespace, podName, containerName, opts, false)
}

// openLog is logs; fromEnd skips what the run already wrote (attach).
func (rt *runtime) openLog(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts, fromEnd bool) (io.ReadCloser, error) {
	_, cr, err := rt.container(namespace, podName, containerName)
	if err != nil {
		return nil, err
	}
	rt.mu.Lock()
	run, done := cr.current, cr.runDone
	if opts.Previous {
		run, done = cr.lastTerm, nil
		if run < 0 {
			rt.mu.Unlock()
			return nil, errdefs.InvalidInputf("previous terminated container %q in pod %q not found", containerName, podName)
		}
	} else if !cr.running && cr.lastTerm >= 0 && cr.state.Terminated == nil {
		run, done = cr.lastTerm, nil
	}
	rt.mu.Unlock()
	if run < 0 {
		return nil, errdefs.InvalidInputf("container %q in pod %q is waiting to start: ContainerCreating", containerName, podName)
	}
	f, err := os.Open(cr.logPath(run))
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	since := opts.SinceTime
	if opts.SinceSeconds > 0 {
		since = time.Now().Add(-time.Duration(opts.SinceSeconds) * time.Second)
	}
	pr, pw := io.Pipe()
	go func() {
		defer f.Close()
		err := copyLog(ctx, pw, f, opts, since, done, fromEnd)
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// copyLog writes the log's lines: first the existing ones (the last
// opts.Tail when set), then, while following, new ones until done closes.
func copyLog(ctx context.Context, w io.Writer, f *os.File, opts api.ContainerLogOpts, since time.Time, done <-chan struct{}, fromEnd bool) error {
	budget := opts.LimitBytes
	if budget <= 0 {
		budget = -1
	}
	emit := func(line []byte) (bool, error) {
		ts, msg, ok := parseCRI(line)
		if !ok || (!since.IsZero() && ts.Before(since)) {
			return true, nil
		}
		var out []byte
		if opts.Timestamps {
			out = append(out, ts.Format(time.RFC3339Nano)...)
			out = append(out, ' ')
		}
		out = append(out, msg...)
		out = append(out, '\n')
		if budget >= 0 {
			if len(out) > budget {
				out = out[:budget]
			}
			budget -= len(out)
		}
		if _, err := w.Write(out); err != nil {
			return false, err
		}
		return budget != 0, nil
	}
	br := bufio.NewReaderSize(f, 256*1024)
	if opts.Tail > 0 {
		ring := make([][]byte, 0, opts.Tail)
		for {
			line, err := br.ReadBytes('\n')
			if len(line) > 0 && line[len(line)-1] == '\n' {
				if len(ring) == opts.Tail {
					ring = append(ring[:0], ring[1:]...)
				}
				ring = append(ring, line)
			}
			if err != nil {
				// An unfinished last line is read again when following.
				if _, serr := f.Seek(-int64(len(line)), io.SeekCurrent); serr != nil {
					return serr
				}
				br.Reset(f)
				break
			}
		}
		for _, l := range ring {
			if more, err := emit(l); !more || err != nil {
				return err
			}
		}
	} else if fromEnd {
		// Attach: only what is written from now on.
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return err
		}
		br.Reset(f)
	}
	var pending []byte
	for {
		chunk, err := br.ReadBytes('\n')
		pending = append(pending, chunk...)
		if err == nil {
			if more, err := emit(pending); !more || err != nil {
				return err
			}
			pending = pending[:0]
			continue
		}
		if err != io.EOF {
			return err
		}
		if !opts.Follow || done == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			// Read what the run wrote last, then stop.
			rest, _ := io.ReadAll(br)
			pending = append(pending, rest...)
			for _, l := range bytes.SplitAfter(pending, []byte("\n")) {
				if len(l) > 0 && l[len(l)-1] == '\n' {
					if more, err := emit(l); !more || err != nil {
						return err
					}
				}
			}
			return nil
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// parseCRI splits "<RFC3339Nano> <stream> <P|F> <message>\n".
func parseCRI(line []byte) (time.Time, []byte, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	parts := bytes.SplitN(line, []byte(" "), 4)
	if len(parts) < 3 {
		return time.Time{}, nil, false
	}
	ts, err := time.Parse(time.RFC3339Nano, string(parts[0]))
	if err != nil {
		return time.Time{}, nil, false
	}
	var msg []byte
	if len(parts) == 4 {
		msg = parts[3]
	}
	return ts, msg, true
}
