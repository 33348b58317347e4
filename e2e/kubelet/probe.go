package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Readiness, as the kubelet decides it: a running container without a
// readiness probe is ready; one with a probe is not ready until the probe
// has succeeded SuccessThreshold times in a row, and stops being ready
// after FailureThreshold failures in a row. The probe runs every
// PeriodSeconds after InitialDelaySeconds, each try given TimeoutSeconds,
// with the API's defaults (10 s, 0 s, 1 s, 1, 3). exec, tcpSocket and
// httpGet probes are run; a gRPC probe is not (the lab's processes serve
// no health service), and its container is never ready.

// probeDefaults fills the API's defaults into a copy of p.
func probeDefaults(p corev1.Probe) corev1.Probe {
	if p.PeriodSeconds <= 0 {
		p.PeriodSeconds = 10
	}
	if p.TimeoutSeconds <= 0 {
		p.TimeoutSeconds = 1
	}
	if p.SuccessThreshold <= 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold <= 0 {
		p.FailureThreshold = 3
	}
	return p
}

// probeReadiness probes run number run of the container until done is
// closed (the run ended) or ctx is cancelled (the pod goes), and sets the
// container's readiness as the probe's results decide it, pushing the
// pod's status at each change.
func (rt *runtime) probeReadiness(ctx context.Context, pr *podRun, cr *ctrRun, run int, done <-chan struct{}) {
	p := probeDefaults(*cr.spec.ReadinessProbe)
	wait := time.Duration(p.InitialDelaySeconds) * time.Second
	successes, failures := 0, 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-time.After(wait):
		}
		wait = time.Duration(p.PeriodSeconds) * time.Second
		tctx, cancel := context.WithTimeout(ctx, time.Duration(p.TimeoutSeconds)*time.Second)
		err := rt.probeOnce(tctx, cr, p.ProbeHandler)
		cancel()
		if err == nil {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
		}
		rt.mu.Lock()
		if cr.current == run && cr.running {
			switch {
			case !cr.ready && successes >= int(p.SuccessThreshold):
				cr.ready = true
				rt.notifyLocked(pr)
			case cr.ready && failures >= int(p.FailureThreshold):
				cr.ready = false
				rt.notifyLocked(pr)
			}
		}
		rt.mu.Unlock()
	}
}

// probeOnce runs the probe's handler once; nil is a success.
func (rt *runtime) probeOnce(ctx context.Context, cr *ctrRun, h corev1.ProbeHandler) error {
	switch {
	case h.Exec != nil:
		if len(h.Exec.Command) == 0 {
			return fmt.Errorf("exec probe without a command")
		}
		cmd := exec.CommandContext(ctx, h.Exec.Command[0], h.Exec.Command[1:]...)
		cmd.Dir = cr.workDir()
		cmd.Env = cr.env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		return cmd.Run()
	case h.TCPSocket != nil:
		port, err := probePort(h.TCPSocket.Port, cr.spec)
		if err != nil {
			return err
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(rt.probeHost(h.TCPSocket.Host), strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	case h.HTTPGet != nil:
		port, err := probePort(h.HTTPGet.Port, cr.spec)
		if err != nil {
			return err
		}
		scheme := "http"
		if h.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		url := scheme + "://" + net.JoinHostPort(rt.probeHost(h.HTTPGet.Host), strconv.Itoa(port)) + h.HTTPGet.Path
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		for _, hd := range h.HTTPGet.HTTPHeaders {
			req.Header.Add(hd.Name, hd.Value)
		}
		// As the kubelet: certificates are not verified.
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the kubelet's own rule for probes
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode >= 400 {
			return fmt.Errorf("HTTP probe answered %d", resp.StatusCode)
		}
		return nil
	default:
		return fmt.Errorf("the lab kubelet runs exec, tcpSocket and httpGet probes only")
	}
}

// probeHost is the probe's host, or the pod's IP (where port-forward
// dials too) when it names none.
func (rt *runtime) probeHost(host string) string {
	if host != "" {
		return host
	}
	return rt.addr
}

// probePort resolves a probe's port: a number, or the name of one of the
// container's ports.
func probePort(p intstr.IntOrString, c corev1.Container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.Name, p.StrVal)
}
