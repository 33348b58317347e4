// Package podlogs streams the logs of one or more pods' containers through
// the API server (GET pods/log, as kubectl logs does), merged in time
// order: each line is asked with its timestamp (timestamps=true) and a
// short merge window orders the lines of several streams, as stern does.
// Following re-opens a stream whose container ended (a crash loop's next
// run), from the last line's time.
package podlogs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Target is one pod (and container) to read.
type Target struct {
	Namespace, Pod string
	// Container; "" reads every container of the pod.
	Container string
}

// Request asks for the logs of targets.
type Request struct {
	Targets []Target
	// Follow keeps streaming new lines until the context ends.
	Follow bool
	// Previous reads the previous run of each container (kubectl logs -p).
	Previous bool
	// Since keeps the lines newer than this duration (0: all).
	Since time.Duration
	// SinceTime keeps the lines from this time on (zero: all; wins over Since).
	SinceTime time.Time
	// Tail keeps the last lines of each stream (<0: all).
	Tail int64
	// Until drops the lines after this time (zero: none dropped); a stream
	// that reaches it ends.
	Until time.Time
}

// Line is one log line.
type Line struct {
	// Time is the kubelet's timestamp of the line.
	Time time.Time
	// Pod and Container name the line's stream.
	Pod, Container string
	// Text is the line without its newline, as the container wrote it
	// (not yet made terminal-safe).
	Text string
	// Err, when set, reports a stream that failed (Text is then empty).
	Err error
}

// Containers returns the names of a pod's containers (init containers
// first), for choosing one.
func Containers(ctx context.Context, c kubernetes.Interface, namespace, pod string) ([]string, error) {
	p, err := c.CoreV1().Pods(namespace).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get pod %s/%s: %w", namespace, pod, err)
	}
	var out []string
	for _, ct := range p.Spec.InitContainers {
		out = append(out, ct.Name)
	}
	for _, ct := range p.Spec.Containers {
		out = append(out, ct.Name)
	}
	return out, nil
}

// mergeWindow is how long lines wait to be ordered with the other
// streams' lines before they are delivered.
const mergeWindow = 50 * time.Millisecond

// maxBatch bounds one delivered batch.
const maxBatch = 8192

// Stream reads the targets' logs and calls deliver with batches of lines in
// time order (from one goroutine) until every stream ended (without
// Follow) or ctx ends. A stream that fails is reported once as a Line with
// Err, and, when following, retried.
func Stream(ctx context.Context, c kubernetes.Interface, req Request, deliver func([]Line)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var streams []Target
	for _, t := range req.Targets {
		if t.Container != "" {
			streams = append(streams, t)
			continue
		}
		names, err := Containers(ctx, c, t.Namespace, t.Pod)
		if err != nil {
			deliver([]Line{{Time: time.Now(), Pod: t.Pod, Err: err}})
			continue
		}
		for _, n := range names {
			streams = append(streams, Target{Namespace: t.Namespace, Pod: t.Pod, Container: n})
		}
	}
	if len(streams) == 0 {
		return errors.New("no container to read")
	}
	in := make(chan Line, 4096)
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readStream(ctx, c, req, s, in)
		}()
	}
	go func() { wg.Wait(); close(in) }()

	var pending []Line
	flush := func() {
		if len(pending) == 0 {
			return
		}
		slices.SortStableFunc(pending, func(a, b Line) int { return a.Time.Compare(b.Time) })
		deliver(pending)
		pending = nil
	}
	timer := time.NewTimer(mergeWindow)
	defer timer.Stop()
	for {
		select {
		case l, ok := <-in:
			if !ok {
				flush()
				return ctx.Err()
			}
			pending = append(pending, l)
			if len(pending) >= maxBatch {
				flush()
			}
		case <-timer.C:
			flush()
			timer.Reset(mergeWindow)
		case <-ctx.Done():
			flush()
			return ctx.Err()
		}
	}
}

// readStream reads one container's log; when following it re-opens the
// stream after the container's run ends, from the last line's time.
func readStream(ctx context.Context, c kubernetes.Interface, req Request, t Target, out chan<- Line) {
	var last time.Time
	tail := req.Tail
	failures := 0
	for {
		opts := &corev1.PodLogOptions{Container: t.Container, Follow: req.Follow, Previous: req.Previous, Timestamps: true}
		switch {
		case !last.IsZero():
			st := metav1.NewTime(last)
			opts.SinceTime = &st
		case !req.SinceTime.IsZero():
			st := metav1.NewTime(req.SinceTime)
			opts.SinceTime = &st
		case req.Since > 0:
			s := int64(req.Since / time.Second)
			opts.SinceSeconds = &s
		}
		if tail >= 0 && last.IsZero() {
			opts.TailLines = &tail
		}
		rc, err := c.CoreV1().Pods(t.Namespace).GetLogs(t.Pod, opts).Stream(ctx)
		if err == nil {
			failures = 0
			last = readLines(ctx, rc, t, last, req.Until, out)
			rc.Close()
		} else if ctx.Err() == nil {
			failures++
			if failures == 1 {
				select {
				case out <- Line{Time: time.Now(), Pod: t.Pod, Container: t.Container, Err: fmt.Errorf("logs of %s/%s: %w", t.Pod, t.Container, err)}:
				case <-ctx.Done():
				}
			}
		}
		if !req.Follow || req.Previous || ctx.Err() != nil || (!req.Until.IsZero() && time.Now().After(req.Until)) {
			return
		}
		// The run ended (or the request failed): look again shortly.
		wait := time.Duration(min(failures+1, 10)) * 500 * time.Millisecond
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// readLines sends the stream's lines, skipping those not after skipTo (a
// re-opened stream starts at the last line's second again); it returns the
// time of the last line read.
func readLines(ctx context.Context, r io.Reader, t Target, skipTo, until time.Time, out chan<- Line) time.Time {
	br := bufio.NewReaderSize(r, 64*1024)
	last := skipTo
	for {
		s, err := br.ReadString('\n')
		if s != "" {
			ts, text := split(strings.TrimSuffix(s, "\n"))
			if !until.IsZero() && ts.After(until) {
				return last
			}
			if ts.IsZero() || ts.After(skipTo) {
				if ts.IsZero() {
					ts = time.Now()
				}
				select {
				case out <- Line{Time: ts, Pod: t.Pod, Container: t.Container, Text: strings.TrimSuffix(text, "\r")}:
				case <-ctx.Done():
					return last
				}
				last = ts
			}
		}
		if err != nil {
			return last
		}
	}
}

// split separates the kubelet's RFC3339Nano timestamp from the text.
func split(s string) (time.Time, string) {
	ts, text, ok := strings.Cut(s, " ")
	if !ok {
		ts, text = s, ""
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, s
	}
	return t, text
}
