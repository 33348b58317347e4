package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/e2e/lab"
)

// apiCounts are what the API server's /metrics say of the requests the
// console makes: watches open now (apiserver_longrunning_requests, verb
// WATCH) and the LIST and WATCH requests made so far
// (apiserver_request_total), over every resource.
type apiCounts struct{ watches, lists, watchReqs int64 }

// readAPICounts reads the API server's metrics.
func readAPICounts(ctx context.Context, c kubernetes.Interface) (apiCounts, error) {
	raw, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return apiCounts{}, err
	}
	var n apiCounts
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		var into *int64
		switch {
		case strings.HasPrefix(line, "apiserver_longrunning_requests{") && strings.Contains(line, `verb="WATCH"`):
			into = &n.watches
		case strings.HasPrefix(line, "apiserver_request_total{") && strings.Contains(line, `verb="LIST"`):
			into = &n.lists
		case strings.HasPrefix(line, "apiserver_request_total{") && strings.Contains(line, `verb="WATCH"`):
			into = &n.watchReqs
		default:
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err == nil {
			*into += int64(v)
		}
	}
	return n, sc.Err()
}

// TestServeWatchesAgainstKube: the real binary's console serve against
// the lab's kube-apiserver, with one then five real OpenSSH clients (in
// tmux, each showing the pods): the API server sees the same number of
// open watches and no more LIST requests with five sessions as with one
// (counted by its own metrics, before and after).
func TestServeWatchesAgainstKube(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab's kube-apiserver and ssh clients in tmux")
	}
	for _, p := range []string{"ssh", "ssh-keygen", "tmux"} {
		lab.RequireProgram(t, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kube, err := lab.StartKube(ctx, t.TempDir())
	if err == nil {
		t.Cleanup(kube.Close)
	}
	lab.Require(t, "kube-apiserver", err)
	c := kube.Client()
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "checkout-0", Namespace: "shop"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/checkout:v1"}}}}
	if _, err := c.CoreV1().Pods("shop").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	writeServeKeys(t, dir)
	conf := filepath.Join(dir, "config.yaml")
	body := fmt.Sprintf("default_env: lab\naudit_log: %s\nenvironments:\n  lab:\n    kube:\n      - kubeconfig: %s\n        context: %s\nserve:\n  authorized_keys: keys\n  users:\n    alice: {lab: operator}\n    bob: {\"*\": viewer}\n",
		filepath.Join(dir, "audit.jsonl"), kube.Kubeconfig, lab.KubeContext)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	before, err := readAPICounts(ctx, c)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}

	// the real binary; it says where it listens on stderr
	srv := exec.CommandContext(ctx, bin, "--config", conf, "serve", "--listen", "127.0.0.1:0")
	srv.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	stderr, err := srv.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() })
	addrc := make(chan string, 1)
	var logMu sync.Mutex
	var log strings.Builder
	go func() {
		re := regexp.MustCompile(`on (127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(labWait):
		logMu.Lock()
		defer logMu.Unlock()
		t.Fatalf("console serve did not listen; stderr:\n%s", log.String())
	}
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f := &serveFixture{t: t, dir: dir, addr: tcp}

	var sessions []*tmuxSession
	open := func(n int) apiCounts {
		t.Helper()
		for len(sessions) < n {
			u := []string{"alice", "bob"}[len(sessions)%2]
			s := f.connect(u, 120, 40)
			s.waitAll(u+"'s console", u+" (", "[Topology]")
			s.keys(":pods", "Enter")
			s.waitAll(u+"'s pods from the API server", "[Pods]", "checkout-0")
			sessions = append(sessions, s)
		}
		// the counts once they hold still (the informers' start is over):
		// the same over three reads a second apart, so that a pause of the
		// console on a loaded machine is not taken for the end of its start
		var last apiCounts
		still := 0
		lab.WaitFor(t, "the API server's counts to settle", labWait, func() (bool, string) {
			n, err := readAPICounts(ctx, c)
			if err != nil {
				return false, err.Error()
			}
			if n == last {
				still++
			} else {
				last, still = n, 0
			}
			if still < 2 {
				time.Sleep(time.Second)
				return false, fmt.Sprintf("%+v", n)
			}
			return true, ""
		})
		return apiCounts{watches: last.watches - before.watches, lists: last.lists - before.lists, watchReqs: last.watchReqs - before.watchReqs}
	}
	one := open(1)
	five := open(5)
	t.Logf("the console's requests (API server metrics, minus those before it started): 1 session: %d watches open, %d LIST, %d WATCH requests; 5 sessions: %d watches open, %d LIST, %d WATCH requests",
		one.watches, one.lists, one.watchReqs, five.watches, five.lists, five.watchReqs)
	if one.watches <= 0 || one.lists <= 0 {
		t.Fatalf("the console opened no watch or made no LIST: %+v", one)
	}
	if five.watches != one.watches || five.lists != one.lists {
		t.Fatalf("5 sessions: %d watches, %d LIST; 1 session: %d watches, %d LIST: the sessions do not share one set of sources",
			five.watches, five.lists, one.watches, one.lists)
	}
}
