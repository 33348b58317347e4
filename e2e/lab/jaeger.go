package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// JaegerServer is Jaeger v2 with in-memory storage.
type JaegerServer struct {
	// QueryGRPC is the query service's gRPC address (api_v2 and api_v3).
	QueryGRPC string
	// QueryHTTP is the query service's HTTP address (UI, /api/...).
	QueryHTTP string
	// OTLPGRPC is the OTLP/gRPC receiver address.
	OTLPGRPC string
	// OTLPHTTP is the OTLP/HTTP receiver address (POST /v1/traces).
	OTLPHTTP string
	// Dir holds the configuration and the log.
	Dir  string
	proc *process
}

// Jaeger starts Jaeger v2 (in memory) for a test; it stops at t.Cleanup.
func Jaeger(t testing.TB) *JaegerServer {
	t.Helper()
	j, err := StartJaeger(testContext(t), t.TempDir())
	Require(t, "jaeger", err)
	t.Cleanup(j.Close)
	return j
}

// jaegerConfig is a Jaeger v2 (OpenTelemetry collector) configuration with
// memory storage and every listener on 127.0.0.1 at the given ports.
const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    grpc:
      endpoint: 127.0.0.1:%d
    http:
      endpoint: 127.0.0.1:%d
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
      http:
        endpoint: 127.0.0.1:%d
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// StartJaeger starts Jaeger v2 with its configuration and log in dir and
// waits until the query HTTP API answers.
func StartJaeger(ctx context.Context, dir string) (*JaegerServer, error) {
	path, err := builtBin("jaeger")
	if err != nil {
		return nil, &StartError{Component: "jaeger", Err: err}
	}
	logPath := filepath.Join(dir, "jaeger.log")
	return withPortRetry(func(int) (*JaegerServer, error, bool) {
		ports, err := freePorts(4)
		if err != nil {
			return nil, err, false
		}
		j := &JaegerServer{QueryGRPC: hostPort(ports[0]), QueryHTTP: hostPort(ports[1]), OTLPGRPC: hostPort(ports[2]), OTLPHTTP: hostPort(ports[3]), Dir: dir}
		cfg := filepath.Join(dir, "jaeger.yaml")
		if err := os.WriteFile(cfg, fmt.Appendf(nil, jaegerConfig, ports[0], ports[1], ports[2], ports[3]), 0o644); err != nil {
			return nil, fmt.Errorf("write jaeger config: %w", err), false
		}
		p, err := startProcess(procSpec{name: "jaeger", path: path, args: []string{"--config", cfg}, dir: dir, logPath: logPath})
		if err != nil {
			return nil, &StartError{Component: "jaeger", Err: err}, false
		}
		j.proc = p
		err = waitFor(ctx, p, func(ctx context.Context) error {
			if err := httpOK("http://" + j.QueryHTTP + "/api/services")(ctx); err != nil {
				return err
			}
			if err := dialCheck(j.QueryGRPC)(ctx); err != nil {
				return err
			}
			return dialCheck(j.OTLPHTTP)(ctx)
		})
		if err != nil {
			j.Close()
			return nil, startErr("jaeger", err, logPath), portInUse(logPath)
		}
		return j, nil, false
	})
}

// Close stops Jaeger.
func (j *JaegerServer) Close() {
	if j != nil {
		j.proc.stop(syscall.SIGTERM, 3*time.Second)
	}
}
