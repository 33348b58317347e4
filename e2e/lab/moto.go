package lab

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSEndpoint is a moto_server standing in for AWS.
type AWSEndpoint struct {
	// URL is the endpoint (http://127.0.0.1:PORT).
	URL string
	// Dir holds the log.
	Dir  string
	proc *process
}

// Moto starts moto_server for a test; it stops at t.Cleanup.
func Moto(t testing.TB) *AWSEndpoint {
	t.Helper()
	a, err := StartMoto(testContext(t), t.TempDir())
	Require(t, "moto_server", err)
	t.Cleanup(a.Close)
	return a
}

// StartMoto starts moto_server on a free port, logging into dir.
func StartMoto(ctx context.Context, dir string) (*AWSEndpoint, error) {
	path, err := lookPath("moto_server")
	if err != nil {
		return nil, &StartError{Component: "moto_server", Err: err}
	}
	logPath := filepath.Join(dir, "moto.log")
	return withPortRetry(func(int) (*AWSEndpoint, error, bool) {
		port, err := FreePort()
		if err != nil {
			return nil, err, false
		}
		p, err := startProcess(procSpec{name: "moto_server", path: path, args: []string{"-H", "127.0.0.1", "-p", fmt.Sprint(port)},
			dir: dir, logPath: logPath, env: []string{"PYTHONUNBUFFERED=1"}})
		if err != nil {
			return nil, &StartError{Component: "moto_server", Err: err}, false
		}
		a := &AWSEndpoint{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Dir: dir, proc: p}
		if err := waitFor(ctx, p, httpOK(a.URL+"/moto-api/")); err != nil {
			a.Close()
			return nil, startErr("moto_server", err, logPath), portInUse(logPath)
		}
		return a, nil, false
	})
}

// httpOK succeeds once url answers with a status below 500.
func httpOK(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

// Close stops moto_server.
func (a *AWSEndpoint) Close() {
	if a != nil {
		a.proc.stop(syscall.SIGTERM, 3*time.Second)
	}
}

// Config returns an SDK configuration for region that talks to this
// endpoint with dummy static credentials, ignoring the user's AWS files.
func (a *AWSEndpoint) Config(ctx context.Context, region string) aws.Config {
	_ = ctx
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(a.URL),
	}
}

// Env returns environment variables that point the AWS SDKs and CLIs at this
// endpoint with dummy credentials.
func (a *AWSEndpoint) Env() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + a.URL,
		"AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing",
		"AWS_SESSION_TOKEN=",
		"AWS_PROFILE=",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_DEFAULT_REGION=us-east-1",
	}
}
