// Package aws is the console's AWS source: for every configured region it
// reads availability zones, VPCs, subnets (public or private), autoscaling
// groups, EC2 instances, ELBv2 load balancers with target health, and
// RDS/Aurora clusters with their members and snapshots, CloudWatch
// alarms linked to the objects they watch, and ECR repositories with their
// images, using the standard
// AWS configuration (profiles, SSO, assume-role, AWS_* environment variables,
// AWS_ENDPOINT_URL). It also offers the AWS actions (terminate an instance in
// its ASG, set desired capacity, RDS failover/snapshot/restore), which run
// only through the actions executor.
package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithymw "github.com/aws/smithy-go/middleware"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// Defaults of Options.
const (
	DefaultRefresh     = 30 * time.Second
	DefaultMaxAttempts = 6
	DefaultMaxBackoff  = 20 * time.Second
	DefaultConcurrency = 8
)

// Options configure the provider.
type Options struct {
	// Env is the console environment (recorded in action specs).
	Env string
	// Regions to read; at least one.
	Regions []string
	// Profile is the shared-config profile ("" → AWS_PROFILE or default).
	Profile string
	// EndpointURL overrides the endpoint of every service (else the SDK
	// honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>).
	EndpointURL string
	// RegionEndpoints overrides the endpoint of single regions (tests, or
	// a compatible endpoint per region).
	RegionEndpoints map[string]string
	// Refresh is the polling interval (default 30s).
	Refresh time.Duration
	// MaxAttempts and MaxBackoff tune the SDK's standard retryer, which
	// retries throttling and transient errors with exponential backoff and
	// jitter (defaults 6 attempts, 20s).
	MaxAttempts int
	MaxBackoff  time.Duration
	// Concurrency bounds the concurrent per-object calls (listeners,
	// target health) within one region (default 8).
	Concurrency int
	// PageSize lowers the page size of every list call (0: the largest
	// each API allows, so a refresh makes as few calls as possible).
	PageSize int
	// ConfigOptions are extra options for config.LoadDefaultConfig.
	ConfigOptions []func(*config.LoadOptions) error
	// Now is the clock of the schedule actions (nil: time.Now).
	Now func() time.Time
}

// clients are the service clients of one region.
type clients struct {
	region string
	ec2    *ec2.Client
	asg    *autoscaling.Client
	elb    *elbv2.Client
	rds    *rds.Client
	cw     *cloudwatch.Client
	ecr    *ecr.Client
}

// Provider reads the AWS estate of several regions. It implements
// providers.Provider, providers.Refresher and actions.Offerer.
type Provider struct {
	opts    Options
	regions []string
	clients map[string]*clients
	refresh chan struct{}
	base    sdkaws.Config // configuration of the first region
	edge    *edgeClients

	mu        sync.Mutex
	last      *providers.Inventory
	lastStats Stats
	good      map[string]*regionView // last good view per region
	lastEdge  []providers.Distribution
}

// New loads the AWS configuration and builds the service clients of every
// region. It makes no API call.
func New(ctx context.Context, o Options) (*Provider, error) {
	if len(o.Regions) == 0 {
		return nil, errors.New("aws: no region configured")
	}
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	lo := []func(*config.LoadOptions) error{
		config.WithRetryer(func() sdkaws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = o.MaxAttempts
				so.MaxBackoff = o.MaxBackoff
				// No client-side retry quota: a throttled refresh keeps
				// backing off instead of failing fast.
				so.RateLimiter = ratelimit.None
			})
		}),
		config.WithAPIOptions([]func(*smithymw.Stack) error{countMiddleware}),
	}
	if o.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(o.Profile))
	}
	lo = append(lo, o.ConfigOptions...)
	base, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("aws: load configuration: %w", err)
	}
	if o.EndpointURL != "" {
		base.BaseEndpoint = sdkaws.String(o.EndpointURL)
	}
	p := &Provider{opts: o, clients: map[string]*clients{}, refresh: make(chan struct{}, 1), good: map[string]*regionView{}}
	seen := map[string]bool{}
	for _, r := range o.Regions {
		r = strings.TrimSpace(r)
		if r == "" || seen[r] {
			continue
		}
		seen[r] = true
		p.regions = append(p.regions, r)
		cfg := base.Copy()
		cfg.Region = r
		if ep := o.RegionEndpoints[r]; ep != "" {
			cfg.BaseEndpoint = sdkaws.String(ep)
		}
		if len(p.regions) == 1 {
			p.base = cfg
		}
		p.clients[r] = &clients{
			region: r,
			ec2:    ec2.NewFromConfig(cfg),
			asg:    autoscaling.NewFromConfig(cfg),
			elb:    elbv2.NewFromConfig(cfg),
			rds:    rds.NewFromConfig(cfg),
			cw:     cloudwatch.NewFromConfig(cfg),
			ecr:    ecr.NewFromConfig(cfg),
		}
	}
	if len(p.regions) == 0 {
		return nil, errors.New("aws: no region configured")
	}
	ecfg := base.Copy()
	ecfg.Region = edgeRegion
	if ep := o.RegionEndpoints[edgeRegion]; ep != "" {
		ecfg.BaseEndpoint = sdkaws.String(ep)
	}
	p.edge = &edgeClients{cf: cloudfront.NewFromConfig(ecfg), acm: acm.NewFromConfig(ecfg)}
	return p, nil
}

// Name is "aws".
func (p *Provider) Name() string { return "aws" }

// Kind is "aws".
func (p *Provider) Kind() string { return "aws" }

// Regions returns the regions read.
func (p *Provider) Regions() []string { return append([]string(nil), p.regions...) }

// Identity returns the caller's AWS identity (the ARN from
// sts:GetCallerIdentity), for the audit log.
func (p *Provider) Identity(ctx context.Context) (string, error) {
	out, err := sts.NewFromConfig(p.base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("aws: caller identity: %w", err)
	}
	return sdkaws.ToString(out.Arn), nil
}

// Refresh asks the provider to refresh now (ctrl+r). It never blocks.
func (p *Provider) Refresh() {
	select {
	case p.refresh <- struct{}{}:
	default:
	}
}

// Run refreshes at once, then every Options.Refresh and on Refresh, and
// sends each complete view. When every region fails, it sends an error
// update (the store keeps the last good data and marks the source stale).
func (p *Provider) Run(ctx context.Context, out chan<- providers.Update) error {
	for {
		inv, _, err := p.Fetch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		u := providers.Update{Source: p.Name(), Inventory: inv, Err: err}
		if err != nil {
			u.Inventory = nil
		}
		if !providers.Send(ctx, out, u) {
			return nil
		}
		t := time.NewTimer(p.opts.Refresh)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-p.refresh:
			t.Stop()
		case <-t.C:
		}
	}
}

// LastStats returns the API call counts of the last refresh.
func (p *Provider) LastStats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastStats
}

// Last returns the last inventory read (nil before the first refresh).
func (p *Provider) Last() *providers.Inventory {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Fetch reads every region concurrently and returns the complete view with
// the call counts of this refresh. A region that fails carries its error
// (Region.Error) and keeps its last good data; the error return is set only
// when every region failed.
func (p *Provider) Fetch(ctx context.Context) (*providers.Inventory, Stats, error) {
	c := newCounter()
	cctx := withCounter(ctx, c)
	views := make([]*regionView, len(p.regions))
	var wg sync.WaitGroup
	var edge []providers.Distribution
	var edgeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		edge, edgeErr = p.readEdge(cctx, p.edge)
	}()
	for i, r := range p.regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			views[i] = p.fetchRegion(cctx, p.clients[r])
		}()
	}
	wg.Wait()
	st := c.stats()

	inv := &providers.Inventory{}
	failed := 0
	var errs []string
	p.mu.Lock()
	for i, v := range views {
		r := p.regions[i]
		if v.failed() {
			failed++
			errs = append(errs, r+": "+v.err)
			if g := p.good[r]; g != nil {
				// Keep showing the last good data of the region, flagged.
				kept := *g
				kept.err = v.err + " (showing data from " + g.at.Format(time.RFC3339) + ")"
				v = &kept
			}
		} else {
			p.good[r] = v
		}
		v.addTo(inv, p.Name())
	}
	if edgeErr != nil {
		edge = p.lastEdge // keep the last good distributions
		inv.Hidden = append(inv.Hidden, providers.Hidden{Source: p.Name(), What: "CloudFront distributions", Reason: oneLine(edgeErr.Error())})
	} else {
		p.lastEdge = edge
	}
	inv.Distributions = append([]providers.Distribution(nil), edge...)
	for i := range inv.Distributions {
		inv.Distributions[i].Origins = append([]providers.Origin(nil), inv.Distributions[i].Origins...)
	}
	linkOrigins(inv.Distributions, inv.LoadBalancers)
	sortInventory(inv)
	if failed < len(views) {
		p.last = inv
	}
	p.lastStats = st
	p.mu.Unlock()
	if failed == len(views) {
		return inv, st, fmt.Errorf("aws: every region failed: %s", strings.Join(errs, "; "))
	}
	return inv, st, nil
}

// oneLine flattens an error message to one bounded line.
func oneLine(s string) string {
	s = sanitize.Line(strings.Join(strings.Fields(s), " "))
	const max = 400
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func sortInventory(inv *providers.Inventory) {
	sort.Slice(inv.Regions, func(i, j int) bool { return inv.Regions[i].Name < inv.Regions[j].Name })
	sort.Slice(inv.Zones, func(i, j int) bool { return inv.Zones[i].Name < inv.Zones[j].Name })
	sort.Slice(inv.VPCs, func(i, j int) bool { return inv.VPCs[i].Region+inv.VPCs[i].ID < inv.VPCs[j].Region+inv.VPCs[j].ID })
	sort.Slice(inv.Subnets, func(i, j int) bool {
		a, b := inv.Subnets[i], inv.Subnets[j]
		if a.Zone != b.Zone {
			return a.Zone < b.Zone
		}
		return a.ID < b.ID
	})
	sort.Slice(inv.AutoscalingGroups, func(i, j int) bool {
		a, b := inv.AutoscalingGroups[i], inv.AutoscalingGroups[j]
		return a.Region+"/"+a.Name < b.Region+"/"+b.Name
	})
	sort.Slice(inv.Instances, func(i, j int) bool {
		a, b := inv.Instances[i], inv.Instances[j]
		return a.Region+"/"+a.ID < b.Region+"/"+b.ID
	})
	sort.Slice(inv.LoadBalancers, func(i, j int) bool {
		a, b := inv.LoadBalancers[i], inv.LoadBalancers[j]
		return a.Region+"/"+a.Name < b.Region+"/"+b.Name
	})
	sort.Slice(inv.Databases, func(i, j int) bool {
		a, b := inv.Databases[i], inv.Databases[j]
		return a.Region+"/"+a.Name < b.Region+"/"+b.Name
	})
	sortAlarms(inv.Alarms)
	sortByKey(inv.SecurityGroups, func(g *providers.SecurityGroup) string { return g.Region + "/" + g.ID })
	sortByKey(inv.NetworkACLs, func(a *providers.NetworkACL) string { return a.Region + "/" + a.ID })
	sortByKey(inv.RouteTables, func(t *providers.RouteTable) string { return t.Region + "/" + t.ID })
	sortByKey(inv.ImageRepositories, func(r *providers.ImageRepository) string { return r.Region + "/" + r.Name })
}

// sortByKey sorts xs by the key of each item.
func sortByKey[T any](xs []T, key func(*T) string) {
	sort.Slice(xs, func(i, j int) bool { return key(&xs[i]) < key(&xs[j]) })
}
