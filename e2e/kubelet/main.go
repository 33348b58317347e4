// Command lab-kubelet is the lab's kubelet: a virtual-kubelet
// (github.com/virtual-kubelet/virtual-kubelet) registering one or more
// nodes with the lab's kube-apiserver, whose provider runs each container's
// command as a local process. The API server proxies logs, exec, attach and
// port-forward to it as it does to a real kubelet.
//
// It is a module of its own so that virtual-kubelet's dependencies
// (apiserver libraries, gorilla/mux, opencensus) never enter the console's
// go.mod; hack/setup.sh builds it into .cache/bin/lab-kubelet and the
// package e2e/lab starts it (KubeCluster.StartKubelet).
//
//	lab-kubelet -kubeconfig K -node n1 -node n2 -port P -cert C -key K -client-ca CA -dir D
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
	vkslog "github.com/virtual-kubelet/virtual-kubelet/log/slog"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

type nodeList []string

func (n *nodeList) String() string { return strings.Join(*n, ",") }
func (n *nodeList) Set(v string) error {
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*n = append(*n, s)
		}
	}
	return nil
}

type options struct {
	kubeconfig string
	nodes      nodeList
	addr       string
	port       int
	cert, key  string
	clientCA   string
	dir        string
	backoff    time.Duration
	maxBackoff time.Duration
	verbose    bool
}

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server to register with")
	flag.Var(&o.nodes, "node", "node name to register (repeatable, or comma-separated)")
	flag.StringVar(&o.addr, "address", "127.0.0.1", "address the kubelet API listens on and the nodes advertise")
	flag.IntVar(&o.port, "port", 10250, "port of the kubelet API (HTTPS)")
	flag.StringVar(&o.cert, "cert", "", "serving certificate (PEM)")
	flag.StringVar(&o.key, "key", "", "serving key (PEM)")
	flag.StringVar(&o.clientCA, "client-ca", "", "CA that signs the API server's kubelet client certificate (PEM)")
	flag.StringVar(&o.dir, "dir", "", "directory for the containers' logs and working directories")
	flag.DurationVar(&o.backoff, "backoff", time.Second, "first crash-loop back-off (doubles per crash)")
	flag.DurationVar(&o.maxBackoff, "max-backoff", 20*time.Second, "longest crash-loop back-off")
	flag.BoolVar(&o.verbose, "v", false, "log at debug level")
	flag.Parse()
	if err := o.validate(); err != nil {
		fmt.Fprintln(os.Stderr, "lab-kubelet:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "lab-kubelet:", err)
		os.Exit(1)
	}
}

func (o options) validate() error {
	switch {
	case len(o.nodes) == 0:
		return errors.New("no -node given")
	case o.cert == "" || o.key == "" || o.clientCA == "":
		return errors.New("-cert, -key and -client-ca are required")
	case o.dir == "":
		return errors.New("-dir is required")
	case net.ParseIP(o.addr) == nil:
		return fmt.Errorf("-address %q is not an IP address", o.addr)
	}
	return nil
}

func run(ctx context.Context, o options) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	vklog.L = vkslog.FromSlog(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))

	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	rt, err := newRuntime(o.dir, o.addr, o.backoff, o.maxBackoff)
	if err != nil {
		return err
	}
	defer rt.shutdown()

	srv, err := serve(o, rt)
	if err != nil {
		return err
	}
	defer srv.Close()

	errs := make(chan error, len(o.nodes))
	for _, name := range o.nodes {
		n, err := nodeutil.NewNode(name, func(pc nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
			describeNode(pc.Node, o.addr, o.port)
			return rt.provider(name), nil, nil
		}, nodeutil.WithClient(client), func(c *nodeutil.NodeConfig) error {
			c.NumWorkers = 4
			c.InformerResyncPeriod = 10 * time.Minute
			c.HTTPListenAddr = net.JoinHostPort(o.addr, fmt.Sprint(o.port))
			return nil
		})
		if err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		go func() { errs <- n.Run(ctx) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-errs:
		return fmt.Errorf("node controller stopped: %w", err)
	}
}

// describeNode fills the node object virtual-kubelet registers: the
// kubelet's address and port (what the API server dials), capacity and
// system info.
func describeNode(n *corev1.Node, addr string, port int) {
	n.Labels["kubernetes.io/os"] = "linux"
	n.Labels["lab.opsconsole.dev/kubelet"] = "true"
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("8Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	n.Status.Capacity = capacity
	n.Status.Allocatable = capacity
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: addr}, {Type: corev1.NodeHostName, Address: n.Name}}
	n.Status.DaemonEndpoints = corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(port)}}
	n.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.37.1-lab", OperatingSystem: "linux", Architecture: "amd64",
		OSImage: "lab (local processes)", ContainerRuntimeVersion: "lab://1"}
	for i, c := range n.Status.Conditions {
		if c.Type != corev1.NodeReady {
			n.Status.Conditions[i].Status = corev1.ConditionFalse
			n.Status.Conditions[i].LastTransitionTime = metav1.Now()
		}
	}
}

// serve starts the kubelet API (one HTTPS server for every node: the pods
// are found by namespace and name), requiring a client certificate signed
// by the client CA.
func serve(o options, rt *runtime) (*http.Server, error) {
	ca, err := os.ReadFile(o.clientCA)
	if err != nil {
		return nil, fmt.Errorf("read client CA: %w", err)
	}
	tcfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if err := nodeutil.WithKeyPairFromPath(o.cert, o.key)(tcfg); err != nil {
		return nil, fmt.Errorf("load serving certificate: %w", err)
	}
	if err := nodeutil.WithCACert(ca)(tcfg); err != nil {
		return nil, fmt.Errorf("client CA: %w", err)
	}
	tcfg.ClientAuth = tls.RequireAndVerifyClientCert
	l, err := tls.Listen("tcp", net.JoinHostPort(o.addr, fmt.Sprint(o.port)), tcfg)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	h := api.PodHandler(api.PodHandlerConfig{
		RunInContainer:        rt.exec,
		AttachToContainer:     rt.attach,
		PortForward:           rt.portForward,
		GetContainerLogs:      rt.logs,
		GetPods:               rt.allPods,
		GetPodsFromKubernetes: rt.allPods,
		StreamIdleTimeout:     30 * time.Minute,
		StreamCreationTimeout: 30 * time.Second,
	}, false)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(l) }()
	return srv, nil
}
