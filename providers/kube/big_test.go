package kube_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// bigNamespaces is the number of namespaces the big cluster's pods are spread over.
const bigNamespaces = 50

// bigSize is the big cluster's pods (CONSOLE_BIG_PODS, default 50,000) and
// nodes (one per 50 pods).
func bigSize(tb testing.TB) (pods, nodes int) {
	pods = 50000
	if v := os.Getenv("CONSOLE_BIG_PODS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 50 {
			tb.Fatalf("CONSOLE_BIG_PODS=%q: want a number of pods >= 50", v)
		}
		pods = n
	}
	return pods, pods / 50
}

// BenchmarkBigCluster measures the provider against a real kube-apiserver
// holding 50,000 pods on 1,000 nodes (CONSOLE_BIG_PODS sets the pods; one
// node per 50 pods): the time from start to the first view with pods and to
// the view with every pod, the heap in use after sync (after GC), and the
// LIST requests and CPU the console uses while it sits idle (watch only:
// no LIST expected). Seeding takes minutes, so it runs only with CONSOLE_BIG=1:
//
//	CONSOLE_BIG=1 go test -run '^$' -bench BigCluster -benchtime 1x -timeout 30m ./providers/kube/
//
// CONSOLE_BIG_IDLE sets the idle period (default 60s); CONSOLE_BIG_VARIANT
// picks one of the sub-benchmarks (paginated-500, paginated-2000, streaming:
// the WatchList protocol instead of a paginated list).
func BenchmarkBigCluster(b *testing.B) {
	if os.Getenv("CONSOLE_BIG") != "1" {
		b.Skip("set CONSOLE_BIG=1 to seed 50,000 pods in a real API server (takes minutes)")
	}
	pods, nodes := bigSize(b)
	idle := 60 * time.Second
	if v := os.Getenv("CONSOLE_BIG_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("CONSOLE_BIG_IDLE: %v", err)
		}
		idle = d
	}
	k := lab.Kube(b)
	start := time.Now()
	if err := seedBig(context.Background(), k, pods, nodes); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d pods on %d nodes in %s", pods, nodes, time.Since(start).Round(time.Second))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	variants := []struct {
		name      string
		pageSize  int64
		streaming bool
	}{
		{"paginated-500", 500, false},
		{"paginated-2000", 2000, false},
		{"streaming", 0, true},
	}
	if v := os.Getenv("CONSOLE_BIG_VARIANT"); v != "" {
		for _, x := range variants {
			if x.name == v {
				variants = variants[:0]
				variants = append(variants, x)
				break
			}
		}
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				measureBig(b, k, kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, PageSize: v.pageSize, StreamingList: v.streaming}, idle, base, pods)
			}
		})
	}
}

// BenchmarkBigClusters measures CONSOLE_BIG_CLUSTERS real API servers
// (default 3) of CONSOLE_BIG_PODS pods each (default 20,000) shown at once,
// as three contexts of one console: the time from start to the first pods
// and to every pod of every cluster in the store's snapshot (the first
// lists staggered by a kube.ListGate as in the console; CONSOLE_BIG_STAGGER=0
// lists all at once), and the heap in use after sync; then, when CONSOLE_BIG_BINARY names a built console,
// the real binary's wall time and maximum RSS for `inventory --json` of one
// context and of all of them.
//
//	CONSOLE_BIG=1 go test -run '^$' -bench BigClusters -benchtime 1x -timeout 60m ./providers/kube/
func BenchmarkBigClusters(b *testing.B) {
	if os.Getenv("CONSOLE_BIG") != "1" {
		b.Skip("set CONSOLE_BIG=1 to seed several real API servers (takes minutes)")
	}
	if os.Getenv("CONSOLE_BIG_PODS") == "" {
		b.Setenv("CONSOLE_BIG_PODS", "20000")
	}
	pods, nodes := bigSize(b)
	n := 3
	if v := os.Getenv("CONSOLE_BIG_CLUSTERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("CONSOLE_BIG_CLUSTERS=%q: want a number >= 1", v)
		}
	}
	clusters := map[string]*lab.KubeCluster{}
	var names []string
	for i := range n {
		name := fmt.Sprintf("big-%d", i+1)
		clusters[name] = lab.Kube(b)
		names = append(names, name)
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i, name := range names {
		wg.Go(func() { errs[i] = seedBig(context.Background(), clusters[name], pods, nodes) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d clusters of %d pods on %d nodes in %s", n, pods, nodes, time.Since(start).Round(time.Second))
	kubeconfig := filepath.Join(b.TempDir(), "kubeconfig")
	if err := lab.WriteMergedKubeconfig(kubeconfig, clusters, names[0]); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		for _, m := range []int{1, n} {
			measureStore(b, kubeconfig, names[:m], pods)
		}
		if bin := os.Getenv("CONSOLE_BIG_BINARY"); bin != "" {
			for _, m := range []int{1, n} {
				measureBinary(b, bin, kubeconfig, names[:m])
			}
		}
	}
	// CONSOLE_BIG_HOLD keeps the seeded clusters up (e.g. 20m) to measure
	// the interactive console by hand against the kubeconfig logged here.
	if v := os.Getenv("CONSOLE_BIG_HOLD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("CONSOLE_BIG_HOLD: %v", err)
		}
		fmt.Fprintf(os.Stderr, "holding the clusters for %s: KUBECONFIG=%s (contexts %v)\n", d, kubeconfig, names)
		time.Sleep(d)
	}
}

// measureStore runs one provider per context in a store and reports the
// time to the first pods and to every pod of every context, and the heap
// in use after sync.
func measureStore(b *testing.B, kubeconfig string, contexts []string, pods int) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	var ps []providers.Provider
	// The first lists staggered as the console does (CONSOLE_BIG_STAGGER=0: all at once).
	var gate *kube.ListGate
	if os.Getenv("CONSOLE_BIG_STAGGER") != "0" {
		gate = kube.NewListGate(kube.DefaultFirstLists)
	}
	for i, c := range contexts {
		p, err := kube.New(kube.Options{Kubeconfig: kubeconfig, Context: c, ListGate: gate, ListRank: i})
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
	}
	st := providers.NewStore(ps...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sub := st.Subscribe()
	st.Start(ctx)
	want := pods * len(contexts)
	var first time.Duration
	deadline := time.After(10 * time.Minute)
	for {
		var snap *providers.Snapshot
		select {
		case snap = <-sub:
		case <-deadline:
			b.Fatalf("%d contexts: no complete view within 10 minutes", len(contexts))
		}
		if first == 0 && len(snap.Inv.Pods) > 0 {
			first = time.Since(t0)
		}
		if len(snap.Inv.Pods) == want && !loading(snap.Inv) {
			break
		}
	}
	full := time.Since(t0)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap := float64(ms.HeapInuse-before.HeapInuse) / (1 << 20)
	suffix := fmt.Sprintf("-%dctx", len(contexts))
	b.ReportMetric(first.Seconds(), "s-to-first-pods"+suffix)
	b.ReportMetric(full.Seconds(), "s-to-full"+suffix)
	b.ReportMetric(heap, "MiB-heap"+suffix)
	b.Logf("%d contexts × %d pods: first pods after %s, every pod after %s, heap in use +%.1f MiB",
		len(contexts), pods, first.Round(time.Millisecond), full.Round(time.Millisecond), heap)
}

// loading reports whether a source of inv still loads its first list.
func loading(inv *providers.Inventory) bool {
	for _, s := range inv.Sources {
		if s.Status == providers.StatusPending || s.Status == providers.StatusLoading {
			return true
		}
	}
	return false
}

// measureBinary runs the real binary's `inventory --json` on contexts
// under /usr/bin/time and reports its wall time and maximum RSS. (The
// rusage of a child of this process cannot be used: Go starts children
// with vfork, and Linux counts the parent's resident pages, the seeded
// test's hundreds of MiB, in the child's maximum RSS.)
func measureBinary(b *testing.B, bin, kubeconfig string, contexts []string) {
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		b.Logf("no /usr/bin/time: the binary's RSS is not measured")
		return
	}
	args := []string{"-f", "maxrss-kib=%M user=%U", bin, "inventory", "--json", "--timeout", "10m", "--kubeconfig", kubeconfig}
	for _, c := range contexts {
		args = append(args, "--context", c)
	}
	cmd := exec.Command(timeBin, args...)
	state := b.TempDir()
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state, "XDG_CONFIG_HOME="+state, "HOME="+state)
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %v: %v\n%s", timeBin, args, err, stderr.String())
	}
	wall := time.Since(t0)
	out := strings.TrimSpace(stderr.String())
	out = out[strings.LastIndexByte(out, '\n')+1:]
	var kib int
	var user float64
	if _, err := fmt.Sscanf(out, "maxrss-kib=%d user=%f", &kib, &user); err != nil {
		b.Fatalf("/usr/bin/time said %q: %v", out, err)
	}
	rss := float64(kib) / 1024
	suffix := fmt.Sprintf("-%dctx", len(contexts))
	b.ReportMetric(wall.Seconds(), "s-binary"+suffix)
	b.ReportMetric(rss, "MiB-maxrss-binary"+suffix)
	b.Logf("console inventory --json, %d contexts: %s wall, %.0f MiB max RSS, %.2f s user CPU", len(contexts), wall.Round(time.Millisecond), rss, user)
}

// measureBig starts a provider with opts and reports the time to the first
// pods and to the full view, the heap in use after sync, and the LIST
// requests and CPU time while idle.
func measureBig(b *testing.B, k *lab.KubeCluster, opts kube.Options, idle time.Duration, base runtime.MemStats, pods int) {
	ctx := context.Background()
	runtime.GC()
	listsBefore, _ := listCount(ctx, k.Client())
	t0 := time.Now()
	p, err := kube.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	pctx, cancel := context.WithCancel(ctx)
	ch := make(chan providers.Update, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = p.Run(pctx, ch)
	}()
	defer func() {
		cancel()
		<-done
	}()
	var (
		last    *providers.Inventory
		first   time.Duration
		partial int
	)
	deadline := time.After(5 * time.Minute)
wait:
	for {
		select {
		case u := <-ch:
			if u.Err != nil {
				b.Logf("update error: %v", u.Err)
			}
			if u.Inventory == nil {
				continue
			}
			if first == 0 && len(u.Inventory.Pods) > 0 {
				first = time.Since(t0)
			}
			if u.Progress != nil {
				partial++
				continue
			}
			if len(u.Inventory.Pods) == pods {
				last = u.Inventory
				break wait
			}
		case <-deadline:
			b.Fatal("no complete view within 5 minutes")
		}
	}
	toFull := time.Since(t0)
	// Drain later updates while idle so the provider never blocks.
	go func() {
		for {
			select {
			case <-ch:
			case <-done:
				return
			}
		}
	}()
	listsSync, _ := listCount(ctx, k.Client())
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cpu0 := cpuTime()
	time.Sleep(idle)
	idleCPU := cpuTime() - cpu0
	listsAfter, byRes := listCount(ctx, k.Client())

	b.ReportMetric(first.Seconds(), "s-to-first-pods")
	b.ReportMetric(toFull.Seconds(), "s-to-full-list")
	b.ReportMetric(float64(partial), "partial-views")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-inuse")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "MiB-heap-before")
	b.ReportMetric(float64(listsSync-listsBefore), "LIST-initial")
	b.ReportMetric(float64(listsAfter-listsSync), "LIST-idle")
	b.ReportMetric(idleCPU.Seconds()/idle.Minutes(), "CPU-s-per-idle-min")
	b.Logf("%d pods / %d nodes: first pods after %s (%d partial views), full list after %s; heap in use %.1f MiB (%.1f before start); LIST requests: %d during start, %d during %s idle (counters now: %v); CPU while idle %s",
		len(last.Pods), len(last.Nodes), first.Round(time.Millisecond), partial, toFull.Round(time.Millisecond), float64(ms.HeapInuse)/(1<<20), float64(base.HeapInuse)/(1<<20),
		listsSync-listsBefore, listsAfter-listsSync, idle, byRes, idleCPU.Round(time.Millisecond))
	if ms.HeapInuse > 250<<20 {
		b.Errorf("heap in use %.1f MiB, target < 250 MiB", float64(ms.HeapInuse)/(1<<20))
	}
	if listsAfter != listsSync {
		b.Errorf("%d LIST requests while idle, want none (watch only)", listsAfter-listsSync)
	}
	runtime.KeepAlive(last)
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seedBig creates the nodes and pods with parallel writers. Pods look like
// real ones (env, volume mounts, a large last-applied annotation) so that
// the transform has something to drop.
func seedBig(ctx context.Context, k *lab.KubeCluster, pods, nodes int) error {
	cfg := k.RESTConfig()
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("seed client: %w", err)
	}
	for i := range bigNamespaces {
		if err := ensureNS(ctx, c, fmt.Sprintf("ns-%02d", i)); err != nil {
			return err
		}
	}
	var failed atomic.Value
	work := make(chan int)
	var wg sync.WaitGroup
	zones := []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if failed.Load() != nil {
					continue
				}
				var err error
				if i < nodes {
					n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%04d", i), Labels: map[string]string{
						kube.LabelZone: zones[i%3], kube.LabelRegion: "us-east-1", kube.LabelInstanceType: "m5.2xlarge"}},
						Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/i-%017x", zones[i%3], i)}}
					_, err = c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
				} else {
					_, err = c.CoreV1().Pods(fmt.Sprintf("ns-%02d", i%bigNamespaces)).Create(ctx, bigPod(i-nodes, nodes), metav1.CreateOptions{})
				}
				if err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	for i := range nodes + pods {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

var lastApplied = strings.Repeat(`{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"svc"}}}`, 12)

func bigPod(i, nodes int) *corev1.Pod {
	app := fmt.Sprintf("svc-%03d", i%600)
	zero := int64(0)
	env := make([]corev1.EnvVar, 8)
	for j := range env {
		env[j] = corev1.EnvVar{Name: fmt.Sprintf("SETTING_%d", j), Value: "value-of-some-length-" + app}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-5d8f9c-%05d", app, i),
			Labels:      map[string]string{"app": app, "pod-template-hash": "5d8f9c", "team": "payments", "version": "v1.2.3"},
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": lastApplied, "prometheus.io/scrape": "true"}},
		Spec: corev1.PodSpec{NodeName: fmt.Sprintf("node-%04d", i%nodes), TerminationGracePeriodSeconds: &zero,
			Containers: []corev1.Container{
				{Name: "app", Image: "registry.example.com/" + app + ":v1.2.3", Env: env,
					VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app"}, {Name: "data", MountPath: "/data"}}},
				{Name: "sidecar", Image: "registry.example.com/proxy:v2", Env: env[:4]},
			},
			Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}},
	}
}

// listCount reads the API server's apiserver_request_total for LIST on
// the resources the console watches.
func listCount(ctx context.Context, c kubernetes.Interface) (int64, map[string]int64) {
	raw, err := c.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return -1, nil
	}
	watchedRes := map[string]bool{"pods": true, "nodes": true, "events": true, "deployments": true, "statefulsets": true, "daemonsets": true, "replicasets": true}
	var total int64
	by := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "apiserver_request_total{") || !strings.Contains(line, `verb="LIST"`) {
			continue
		}
		res := label(line, "resource")
		if !watchedRes[res] {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			continue
		}
		total += int64(v)
		by[res] += int64(v)
	}
	return total, by
}

func label(line, name string) string {
	i := strings.Index(line, name+`="`)
	if i < 0 {
		return ""
	}
	rest := line[i+len(name)+2:]
	return rest[:strings.IndexByte(rest, '"')]
}
