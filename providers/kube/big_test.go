package kube_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// Sizes of the big cluster.
const (
	bigPods       = 50000
	bigNodes      = 1000
	bigNamespaces = 50
)

// BenchmarkBigCluster measures the provider against a real kube-apiserver
// holding 50,000 pods on 1,000 nodes: the time from start to the first view
// with every pod, the heap in use after sync (after GC), and the LIST
// requests the API server counts while the console sits idle (watch only:
// none expected). Seeding takes minutes, so it runs only with CONSOLE_BIG=1:
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
	idle := 60 * time.Second
	if v := os.Getenv("CONSOLE_BIG_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("CONSOLE_BIG_IDLE: %v", err)
		}
		idle = d
	}
	k := lab.Kube(b)
	ctx := context.Background()
	cfg := k.RESTConfig()
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	seeder, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := seedBig(ctx, seeder); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d pods on %d nodes in %s", bigPods, bigNodes, time.Since(start).Round(time.Second))
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
				measureBig(b, k, kube.Options{Kubeconfig: k.Kubeconfig, Context: lab.KubeContext, PageSize: v.pageSize, StreamingList: v.streaming}, idle, base)
			}
		})
	}
}

// measureBig starts a provider with opts and reports the time to the full
// view, the heap in use after sync and the LIST requests while idle.
func measureBig(b *testing.B, k *lab.KubeCluster, opts kube.Options, idle time.Duration, base runtime.MemStats) {
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
	var last *providers.Inventory
	deadline := time.After(5 * time.Minute)
wait:
	for {
		select {
		case u := <-ch:
			if u.Err != nil {
				b.Logf("update error: %v", u.Err)
			}
			if u.Inventory != nil && len(u.Inventory.Pods) == bigPods {
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
	time.Sleep(idle)
	listsAfter, byRes := listCount(ctx, k.Client())

	b.ReportMetric(toFull.Seconds(), "s-to-full-list")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap-inuse")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "MiB-heap-before")
	b.ReportMetric(float64(listsSync-listsBefore), "LIST-initial")
	b.ReportMetric(float64(listsAfter-listsSync), "LIST-idle")
	b.Logf("full list of %d pods / %d nodes after %s; heap in use %.1f MiB (%.1f before start); LIST requests: %d during start, %d during %s idle (counters now: %v)",
		len(last.Pods), len(last.Nodes), toFull.Round(time.Millisecond), float64(ms.HeapInuse)/(1<<20), float64(base.HeapInuse)/(1<<20),
		listsSync-listsBefore, listsAfter-listsSync, idle, byRes)
	if ms.HeapInuse > 250<<20 {
		b.Errorf("heap in use %.1f MiB, target < 250 MiB", float64(ms.HeapInuse)/(1<<20))
	}
	if listsAfter != listsSync {
		b.Errorf("%d LIST requests while idle, want none (watch only)", listsAfter-listsSync)
	}
	runtime.KeepAlive(last)
}

// seedBig creates the nodes and pods with parallel writers. Pods look like
// real ones (env, volume mounts, a large last-applied annotation) so that
// the transform has something to drop.
func seedBig(ctx context.Context, c kubernetes.Interface) error {
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
				if i < bigNodes {
					n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%04d", i), Labels: map[string]string{
						kube.LabelZone: zones[i%3], kube.LabelRegion: "us-east-1", kube.LabelInstanceType: "m5.2xlarge"}},
						Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/i-%017x", zones[i%3], i)}}
					_, err = c.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
				} else {
					_, err = c.CoreV1().Pods(fmt.Sprintf("ns-%02d", i%bigNamespaces)).Create(ctx, bigPod(i-bigNodes), metav1.CreateOptions{})
				}
				if err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	for i := range bigNodes + bigPods {
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

func bigPod(i int) *corev1.Pod {
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
		Spec: corev1.PodSpec{NodeName: fmt.Sprintf("node-%04d", i%bigNodes), TerminationGracePeriodSeconds: &zero,
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
