// Command lab starts the whole seeded lab in the foreground: etcd +
// kube-apiserver, moto_server (two AWS regions), Jaeger v2, Redis with
// Sentinels, a PostgreSQL primary with replicas and a Terraform stack;
// seeds them so Kubernetes nodes carry the provider ids of the ASG
// instances in moto; writes .lab/console.yaml; prints the command that
// opens the console on it; and on SIGINT/SIGTERM stops everything.
//
//	go run ./e2e/cmd/lab            # or: make lab
//	go run ./e2e/cmd/lab -check     # start, seed, write config, stop (smoke test)
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/e2e/workload"
)

// regions of the lab's AWS estate.
var regions = []string{"us-east-1", "eu-west-1"}

type labEnv struct {
	kube      *lab.KubeCluster
	moto      *lab.AWSEndpoint
	jaeger    *lab.JaegerServer
	redis     *lab.RedisSet
	pg        *lab.PGCluster
	stack     string
	aws       *lab.AWSEstate
	kubeState *lab.KubeEstate

	workloadURL    string
	workloadOrders int
	closers        []func()
	mu             sync.Mutex
}

func (e *labEnv) onClose(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closers = append(e.closers, f)
}

// close stops every component, newest first.
func (e *labEnv) close() {
	e.mu.Lock()
	cs := e.closers
	e.closers = nil
	e.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}

// options of one lab run.
type options struct {
	// check stops after start-up, seeding and writing the config.
	check bool
	// perAZ is the number of ASG instances (and nodes) per AZ.
	perAZ int
	// replicas is the number of pods per deployment.
	replicas int
	// dir receives console.yaml, env and the components' data (run/).
	dir string
	// root is the repository root (relative paths in the summary).
	root string
	// out receives progress and the summary.
	out io.Writer
	// up, when set, is called once the lab is up, seeded and configured.
	up func()
}

func main() {
	root := lab.RepoRoot()
	o := options{root: root, out: os.Stdout}
	flag.BoolVar(&o.check, "check", false, "start and seed the lab, write the config, then stop (smoke test)")
	flag.IntVar(&o.perAZ, "instances-per-az", 1, "ASG instances (and Kubernetes nodes) per AZ")
	flag.IntVar(&o.replicas, "replicas", 5, "pods per deployment")
	flag.StringVar(&o.dir, "dir", filepath.Join(root, ".lab"), "directory for console.yaml, env and the components' data")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
}

// logf prints a progress line to o.out (components log from their own
// goroutines: run makes o.out safe for that).
func (o options) logf(format string, args ...any) {
	fmt.Fprintf(o.out, "lab: "+format+"\n", args...)
}

// lockedWriter serialises writes from the goroutines that start components.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func run(ctx context.Context, o options) error {
	began := time.Now()
	o.out = &lockedWriter{w: o.out}
	root, labDir := o.root, o.dir
	if err := os.MkdirAll(labDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", labDir, err)
	}
	runDir := filepath.Join(labDir, "run")
	if err := os.RemoveAll(runDir); err != nil {
		return fmt.Errorf("clean %s: %w", runDir, err)
	}
	e := &labEnv{}
	defer e.close()

	type step struct {
		name  string
		start func(ctx context.Context, dir string) error
	}
	steps := []step{
		{"kube", func(ctx context.Context, dir string) error {
			k, err := lab.StartKube(ctx, dir)
			if err == nil {
				e.kube = k
				e.onClose(k.Close)
			}
			return err
		}},
		{"moto", func(ctx context.Context, dir string) error {
			m, err := lab.StartMoto(ctx, dir)
			if err != nil {
				return err
			}
			e.moto = m
			e.onClose(m.Close)
			// moto loads its EC2 backend on first use (seconds): do it now,
			// in parallel with the other components.
			for _, r := range regions {
				if _, err := ec2.NewFromConfig(m.Config(ctx, r)).DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}); err != nil {
					return fmt.Errorf("warm moto in %s: %w", r, err)
				}
			}
			return nil
		}},
		{"jaeger", func(ctx context.Context, dir string) error {
			j, err := lab.StartJaeger(ctx, dir)
			if err == nil {
				e.jaeger = j
				e.onClose(j.Close)
			}
			return err
		}},
		{"redis", func(ctx context.Context, dir string) error {
			r, err := lab.StartRedis(ctx, dir, 2, 3)
			if err == nil {
				e.redis = r
				e.onClose(r.Close)
			}
			return err
		}},
		{"postgres", func(ctx context.Context, dir string) error {
			p, err := lab.StartPostgres(ctx, dir, 2)
			if err == nil {
				e.pg = p
				e.onClose(p.Close)
			}
			return err
		}},
		{"terraform", func(ctx context.Context, dir string) error {
			if err := lab.WriteFiles(dir, lab.LabStack); err != nil {
				return err
			}
			if out, err := lab.TerraformInit(ctx, dir); err != nil {
				return fmt.Errorf("%w\n%s", err, out)
			}
			if out, err := lab.TerraformRun(ctx, dir, "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
				return fmt.Errorf("%w\n%s", err, out)
			}
			e.stack = dir
			return nil
		}},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(steps))
	for i, s := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			dir := filepath.Join(runDir, s.name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				errs[i] = err
				return
			}
			if err := s.start(ctx, dir); err != nil {
				errs[i] = fmt.Errorf("%s: %w", s.name, err)
				return
			}
			o.logf("%-9s ready in %v", s.name, time.Since(t0).Round(time.Millisecond))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	t0 := time.Now()
	var cfgs []aws.Config
	for _, r := range regions {
		cfgs = append(cfgs, e.moto.Config(ctx, r))
	}
	var err error
	if e.aws, err = lab.SeedAWS(ctx, cfgs, lab.AWSSeedOptions{InstancesPerAZ: o.perAZ, Logf: o.logf}); err != nil {
		return err
	}
	if e.kubeState, err = lab.SeedKube(ctx, e.kube.Client(), e.aws.Instances(), lab.KubeSeedOptions{Replicas: o.replicas, Logf: o.logf}); err != nil {
		return err
	}
	if _, _, err := lab.SeedTraces(ctx, e.jaeger.OTLPHTTP, lab.TraceSeedOptions{}); err != nil {
		return err
	}
	if err := startWorkload(ctx, e); err != nil {
		return err
	}
	o.logf("seeded in %v", time.Since(t0).Round(time.Millisecond))

	cfgPath := filepath.Join(labDir, "console.yaml")
	if err := writeConfig(cfgPath, labDir, e); err != nil {
		return err
	}
	if err := writeEnv(filepath.Join(labDir, "env"), e); err != nil {
		return err
	}
	o.logf("lab up in %v", time.Since(began).Round(time.Millisecond))
	if o.up != nil {
		o.up()
	}
	printSummary(o.out, root, cfgPath, e)
	if o.check {
		o.logf("-check: stopping")
		return nil
	}
	o.logf("press ctrl+c to stop the lab")
	<-ctx.Done()
	fmt.Fprintln(o.out)
	o.logf("stopping every component")
	return nil
}

// startWorkload runs the repository's multi-service workload (e2e/workload)
// against Jaeger and sends a few orders: healthy ones and one per fault, so
// Jaeger holds real OpenTelemetry traces to analyse. The workload keeps
// running until the lab stops.
func startWorkload(ctx context.Context, e *labEnv) error {
	places, err := workloadPlaces(ctx, e)
	if err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	w, err := workload.Start(ctx, workload.Config{OTLPEndpoint: e.jaeger.OTLPGRPC, Places: places})
	if err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	e.onClose(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = w.Close(cctx)
	})
	e.workloadURL = w.FrontendURL
	faults := append([]workload.Fault{workload.FaultNone, workload.FaultNone, workload.FaultNone}, workload.Faults...)
	for _, f := range faults {
		if _, err := w.Request(ctx, f); err != nil {
			return fmt.Errorf("workload order (fault %q): %w", f, err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		return fmt.Errorf("workload flush: %w", err)
	}
	e.workloadOrders = len(faults)
	return nil
}

// workloadPlaces makes the workload's services claim to run in healthy
// seeded pods of namespace shop (one each, reused when there are fewer), on
// those pods' nodes, so a span's pod and node are in the topology and the
// trace view's jump (g) lands on them.
func workloadPlaces(ctx context.Context, e *labEnv) (map[string]workload.Place, error) {
	var pods []string
	for _, ref := range e.kubeState.Pods {
		if ns, name, _ := strings.Cut(ref, "/"); ns == "shop" && !slices.Contains(e.kubeState.Unhealthy, ref) {
			pods = append(pods, name)
		}
	}
	if len(pods) == 0 {
		return nil, nil // no shop namespace: the workload keeps its own names
	}
	services := slices.Sorted(maps.Keys(workload.Places))
	places := map[string]workload.Place{}
	c := e.kube.Client()
	for i, svc := range services {
		pod, err := c.CoreV1().Pods("shop").Get(ctx, pods[i%len(pods)], metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("place %s: %w", svc, err)
		}
		node, err := c.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("place %s: %w", svc, err)
		}
		places[svc] = workload.Place{Pod: pod.Name, Node: node.Name, Zone: node.Labels["topology.kubernetes.io/zone"], Host: node.Name}
	}
	return places, nil
}

// consoleConfig builds the console's configuration for the lab, with only
// the keys that are set (see config.File for their meaning).
func consoleConfig(labDir string, e *labEnv) map[string]any {
	env := map[string]any{
		"regions": regions,
		"aws":     map[string]any{"endpoint_url": e.moto.URL, "refresh": "10s"},
		"kube":    []any{map[string]any{"kubeconfig": e.kube.Kubeconfig, "context": lab.KubeContext}},
		"jaeger":  e.jaeger.QueryGRPC,
		"terraform": []any{map[string]any{"name": "web", "dir": e.stack, "targets": map[string]string{
			"asg/" + e.aws.Regions[0].ASG: "terraform_data.asg",
		}}},
		"databases": []any{
			map[string]any{"name": "sessions", "engine": "redis", "members": append([]string{e.redis.Primary}, e.redis.Replicas...),
				"sentinels": e.redis.Sentinels, "master": e.redis.Master},
			map[string]any{"name": "orders-pg", "engine": "postgres", "members": append([]string{e.pg.Primary}, e.pg.Replicas...), "dsn": e.pg.DSN},
		},
	}
	return map[string]any{"default_env": "lab", "audit_log": filepath.Join(labDir, "audit.jsonl"),
		"environments": map[string]any{"lab": env}}
}

func writeConfig(path, labDir string, e *labEnv) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(consoleConfig(labDir, e)); err != nil {
		return fmt.Errorf("encode console config: %w", err)
	}
	data := append([]byte("# Written by `make lab` (e2e/cmd/lab); valid while the lab runs.\n"), buf.Bytes()...)
	f, err := config.Parse(data)
	if err != nil {
		return fmt.Errorf("generated config does not parse: %w", err)
	}
	if got := f.Environments["lab"]; got.AWS.EndpointURL != e.moto.URL || len(got.Kube) != 1 || len(got.Databases) != 2 {
		return fmt.Errorf("generated config lost settings: %+v", got)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeEnv writes the environment for AWS clients (dummy credentials for
// moto) as a shell file.
func writeEnv(path string, e *labEnv) error {
	var b strings.Builder
	for _, kv := range e.moto.Env() {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" {
			continue
		}
		fmt.Fprintf(&b, "export %s=%q\n", k, v)
	}
	fmt.Fprintf(&b, "export KUBECONFIG=%q\n", e.kube.Kubeconfig)
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func printSummary(out io.Writer, root, cfgPath string, e *labEnv) {
	rel := func(p string) string {
		if r, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	fmt.Fprintf(out, `
  kube-apiserver  %s   (kubeconfig %s, context %s)
  etcd            %s
  AWS (moto)      %s   regions %s
  jaeger          query gRPC %s, UI http://%s, OTLP gRPC %s, OTLP HTTP %s
  redis           primary %s, replicas %s, sentinels %s (master %q)
  postgres        primary %s, replicas %s (user postgres, trust)
  terraform       %s
  workload        %s (%d orders sent: healthy and one per fault; more with curl '%s/checkout?fault=error')
  estate          %d instances/nodes, %d pods (%d not ready), bastion + ALB + Aurora per region

Open the console on it (AWS needs dummy credentials for moto):

  AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing go run ./cmd/console --config %s

`, e.kube.Server, rel(e.kube.Kubeconfig), lab.KubeContext, e.kube.Etcd, e.moto.URL, strings.Join(regions, ","),
		e.jaeger.QueryGRPC, e.jaeger.QueryHTTP, e.jaeger.OTLPGRPC, e.jaeger.OTLPHTTP,
		e.redis.Primary, strings.Join(e.redis.Replicas, ","), strings.Join(e.redis.Sentinels, ","), e.redis.Master,
		e.pg.Primary, strings.Join(e.pg.Replicas, ","), rel(e.stack), e.workloadURL, e.workloadOrders, e.workloadURL,
		len(e.kubeState.Nodes), len(e.kubeState.Pods), len(e.kubeState.Unhealthy), rel(cfgPath))
}
