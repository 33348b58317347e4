// Command workload runs the multi-service test workload and sends orders
// with faults, exporting OTLP to a collector (e.g. Jaeger):
//
//	go run ./e2e/workload/cmd/workload --otlp 127.0.0.1:4317 --fault lock --requests 5
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/opsconsole/console/e2e/workload"
)

func main() {
	otlp := flag.String("otlp", "127.0.0.1:4317", "OTLP collector host:port")
	proto := flag.String("protocol", "grpc", "OTLP protocol: grpc or http")
	fault := flag.String("fault", "", "fault: error, lock, sequential, pool, slow, nplus1, retry, lockevents, contention, poolmixed, logerror, all (empty: none)")
	n := flag.Int("requests", 1, "requests per fault")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, *otlp, *proto, *fault, *n)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "workload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, otlp, proto, fault string, n int) error {
	w, err := workload.Start(ctx, workload.Config{OTLPEndpoint: otlp, Protocol: proto})
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = w.Close(cctx)
	}()
	faults := []workload.Fault{workload.Fault(fault)}
	if fault == "all" {
		faults = append(append([]workload.Fault{workload.FaultNone}, workload.Faults...), workload.ReportFaults...)
	}
	for _, f := range faults {
		for i := 0; i < n; i++ {
			r, err := w.Request(ctx, f)
			if err != nil {
				return err
			}
			fmt.Printf("%s\t%d\t%s\n", r.TraceID, r.Status, orNone(f))
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
