package aws

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// Fault modes of faultProxy.
const (
	modePass     = iota // forward everything to moto
	modeThrottle        // answer the first attempt of every distinct request with a throttling error
	modeDown            // answer everything with 503
)

// faultProxy stands between the SDK and moto and injects AWS-shaped
// errors (the service is read from the signature's credential scope).
type faultProxy struct {
	srv       *httptest.Server
	mode      atomic.Int32
	mu        sync.Mutex
	seen      map[[32]byte]bool
	throttled atomic.Int32
}

func newFaultProxy(t testing.TB, target string) *faultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	fp := &faultProxy{seen: map[[32]byte]bool{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	fp.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		service := serviceOf(r.Header.Get("Authorization"))
		switch fp.mode.Load() {
		case modeDown:
			writeAWSError(w, r, service, http.StatusServiceUnavailable, "ServiceUnavailable", "injected outage")
			return
		case modeThrottle:
			key := sha256.Sum256(append([]byte(service+"|"+r.URL.String()+"|"), body...))
			fp.mu.Lock()
			first := !fp.seen[key]
			fp.seen[key] = true
			fp.mu.Unlock()
			if first {
				fp.throttled.Add(1)
				code := "Throttling"
				switch {
				case service == "ec2":
					code = "RequestLimitExceeded"
				case isJSONProtocol(r):
					code = "ThrottlingException"
				}
				writeAWSError(w, r, service, http.StatusBadRequest, code, "Rate exceeded")
				return
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(fp.srv.Close)
	return fp
}

// serviceOf reads the signing service from "Credential=AKID/date/region/service/aws4_request".
func serviceOf(auth string) string {
	i := strings.Index(auth, "Credential=")
	if i < 0 {
		return ""
	}
	parts := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// isJSONProtocol reports whether the request speaks the awsJson protocol
// (ECR), whose errors are JSON.
func isJSONProtocol(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-")
}

func writeAWSError(w http.ResponseWriter, r *http.Request, service string, status int, code, msg string) {
	if isJSONProtocol(r) {
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, msg)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	if service == "ec2" {
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>fault</RequestID></Response>`, code, msg)
		return
	}
	fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fault</RequestId></ErrorResponse>`, code, msg)
}

// TestThrottlingRetried: every call is throttled once; the standard
// retryer backs off and retries, the refresh succeeds, each page is still
// asked once (the retries are attempts, not calls).
func TestThrottlingRetried(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 2*time.Minute)
	seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 2, LBs: 1, Aurora: true})
	fp := newFaultProxy(t, m.URL)
	fp.mode.Store(modeThrottle)
	p := newTestProvider(t, m, []string{"us-east-1"}, func(o *Options) { o.EndpointURL = fp.srv.URL; o.MaxBackoff = time.Second })
	inv, st, err := p.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Regions[0].Error != "" || findASG(inv, "us-east-1", "web") == nil || findDB(inv, "us-east-1", "orders") == nil || findLB(inv, "us-east-1", "web-alb") == nil {
		t.Fatalf("throttled refresh incomplete: region error %q", inv.Regions[0].Error)
	}
	if int(fp.throttled.Load()) != st.Calls || st.Attempts != 2*st.Calls || st.Repeated != 0 {
		t.Errorf("throttled %d, stats %+v: want every call attempted twice", fp.throttled.Load(), st)
	}
}

// TestRegionKeepsLastGoodData: a region that fails after a good refresh
// keeps showing its last data, flagged with the error; the other region is
// fresh; when it recovers the error clears.
func TestRegionKeepsLastGoodData(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 2*time.Minute)
	seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 1}, seedSpec{Region: "eu-west-1", ASGs: 1, PerASG: 2})
	fp := newFaultProxy(t, m.URL)
	p := newTestProvider(t, m, []string{"us-east-1", "eu-west-1"}, func(o *Options) {
		o.MaxAttempts, o.MaxBackoff = 2, 50*time.Millisecond
		o.RegionEndpoints = map[string]string{"eu-west-1": fp.srv.URL}
	})
	regionErr := func(inv *providers.Inventory, name string) string {
		for _, r := range inv.Regions {
			if r.Name == name {
				return r.Error
			}
		}
		return "missing"
	}
	for _, step := range []struct {
		mode    int32
		wantErr bool
	}{{modePass, false}, {modeDown, true}, {modePass, false}} {
		fp.mode.Store(step.mode)
		inv, _, err := p.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e := regionErr(inv, "eu-west-1")
		if (e != "") != step.wantErr || regionErr(inv, "us-east-1") != "" {
			t.Errorf("mode %d: eu-west-1 error %q, us-east-1 error %q", step.mode, e, regionErr(inv, "us-east-1"))
		}
		if g := findASG(inv, "eu-west-1", "web"); g == nil || g.Desired != 2 {
			t.Errorf("mode %d: eu-west-1 data not shown: %+v", step.mode, g)
		}
		if step.wantErr && !strings.Contains(e, "showing data from") {
			t.Errorf("error does not say the data is old: %q", e)
		}
	}
}
