package workload

import (
	"context"
	"testing"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/traces/jaeger"
)

// StartLab starts a real Jaeger (lab.Jaeger: skipped locally, failing in CI
// when the binary is missing), the workload exporting to it over OTLP
// (protocol "grpc" or "http") and a query client; all are stopped when the
// test ends.
func StartLab(ctx context.Context, t testing.TB, protocol string) (*Workload, *jaeger.Client, *lab.JaegerServer) {
	t.Helper()
	j := lab.Jaeger(t)
	endpoint := j.OTLPGRPC
	if protocol == "http" {
		endpoint = j.OTLPHTTP
	}
	w, err := Start(ctx, Config{OTLPEndpoint: endpoint, Protocol: protocol})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	c, err := jaeger.Dial(j.QueryGRPC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return w, c, j
}
