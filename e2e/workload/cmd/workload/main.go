// Command workload runs the multi-service test workload and sends orders
// with faults, exporting OTLP to a collector (e.g. Jaeger):
//
//	go run ./e2e/workload/cmd/workload --otlp 127.0.0.1:4317 --fault lock --requests 5
//
// It prints one logfmt line per order (trace_id=… status=… fault=…). Run
// as a pod (e.g. of the lab-kubelet), --pod and --node (default $POD_NAME
// and $NODE_NAME) name that pod and node in every service's resource, so
// a span leads to the pod whose log lines carry its trace id.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/opsconsole/console/e2e/workload"
)

func main() {
	otlp := flag.String("otlp", "127.0.0.1:4317", "OTLP collector host:port")
	proto := flag.String("protocol", "grpc", "OTLP protocol: grpc or http")
	fault := flag.String("fault", "", "faults, comma-separated, in order: none, error, lock, sequential, pool, slow, nplus1, retry, lockevents, contention, poolmixed, logerror, all (empty: none)")
	n := flag.Int("requests", 1, "requests per fault")
	pod := flag.String("pod", os.Getenv("POD_NAME"), "k8s.pod.name of every service (default $POD_NAME; empty: each service's own)")
	node := flag.String("node", os.Getenv("NODE_NAME"), "k8s.node.name and host.name of every service (default $NODE_NAME; empty: each service's own)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, workload.Config{OTLPEndpoint: *otlp, Protocol: *proto, Places: places(*pod, *node)}, *fault, *n)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
}

// places puts every service in pod on node (nil when both are empty).
func places(pod, node string) map[string]workload.Place {
	if pod == "" && node == "" {
		return nil
	}
	ps := make(map[string]workload.Place, len(workload.Places))
	for name, p := range workload.Places {
		if pod != "" {
			p.Pod = pod
		}
		if node != "" {
			p.Node, p.Host = node, node
		}
		ps[name] = p
	}
	return ps
}

func run(ctx context.Context, cfg workload.Config, fault string, n int) error {
	w, err := workload.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Close(cctx)
	}()
	var faults []workload.Fault
	for _, f := range strings.Split(fault, ",") {
		if f == "all" {
			faults = append(append(append(faults, workload.FaultNone), workload.Faults...), workload.ReportFaults...)
			continue
		}
		if f == "none" {
			f = string(workload.FaultNone)
		}
		faults = append(faults, workload.Fault(f))
	}
	for _, f := range faults {
		for i := 0; i < n; i++ {
			r, err := w.Request(ctx, f)
			if err != nil {
				return err
			}
			fmt.Printf("order trace_id=%s status=%d fault=%s\n", r.TraceID, r.Status, orNone(f))
		}
	}
	return w.Flush(ctx)
}

func orNone(f workload.Fault) string {
	if f == "" {
		return "none"
	}
	return string(f)
}
