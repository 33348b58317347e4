package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// edgeRegion is where CloudFront's viewer certificates live in ACM.
const edgeRegion = "us-east-1"

// maxCFPage is the largest page of cloudfront:ListDistributions.
const maxCFPage = 1000

// edgeClients read the global services: CloudFront and the ACM of
// us-east-1 (a distribution's certificate must be there).
type edgeClients struct {
	cf  *cloudfront.Client
	acm *acm.Client
}

// readEdge lists the distributions (one listing), completes those the
// listing does not describe (moto lists only ids; AWS lists them whole)
// with GetDistribution, and reads each distinct viewer certificate's
// expiry (acm:DescribeCertificate, at most Concurrency at once). A
// certificate ACM cannot describe keeps its expiry unknown.
func (p *Provider) readEdge(ctx context.Context, e *edgeClients) ([]providers.Distribution, error) {
	pg := cloudfront.NewListDistributionsPaginator(e.cf, &cloudfront.ListDistributionsInput{MaxItems: p.pageSize(maxCFPage, 1)})
	sums, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *cloudfront.ListDistributionsOutput) []cftypes.DistributionSummary {
		if o.DistributionList == nil {
			return nil
		}
		return o.DistributionList.Items
	})
	if err != nil {
		return nil, fmt.Errorf("ListDistributions: %w", err)
	}
	out := make([]providers.Distribution, len(sums))
	sem := make(chan struct{}, p.opts.Concurrency)
	var t tasks
	for i, s := range sums {
		d := &out[i]
		*d = providers.Distribution{ID: sdkaws.ToString(s.Id), DomainName: sdkaws.ToString(s.DomainName), Status: sdkaws.ToString(s.Status),
			Enabled: sdkaws.ToBool(s.Enabled), Comment: sanitize.Line(sdkaws.ToString(s.Comment)), Aliases: []string{}, Origins: []providers.Origin{}}
		if s.Origins != nil {
			fillDistribution(d, s.Aliases, s.Origins, s.ViewerCertificate)
			continue
		}
		t.go_("GetDistribution", func() error {
			sem <- struct{}{}
			defer func() { <-sem }()
			g, err := e.cf.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: s.Id})
			if err != nil {
				return err
			}
			if g.Distribution != nil && g.Distribution.DistributionConfig != nil {
				c := g.Distribution.DistributionConfig
				d.Enabled, d.Comment = sdkaws.ToBool(c.Enabled), sanitize.Line(sdkaws.ToString(c.Comment))
				fillDistribution(d, c.Aliases, c.Origins, c.ViewerCertificate)
			}
			return nil
		})
	}
	if errs := t.wait(); len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(dedupe(errs), "; "))
	}
	asked := map[string]bool{}
	var mu sync.Mutex
	var t2 tasks
	for i := range out {
		arn := out[i].Certificate
		if arn == "" || asked[arn] {
			continue
		}
		asked[arn] = true
		t2.go_("DescribeCertificate", func() error {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := e.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: sdkaws.String(arn)})
			if err != nil || c.Certificate == nil || c.Certificate.NotAfter == nil {
				return nil // unknown expiry: not an error of the refresh
			}
			mu.Lock()
			defer mu.Unlock()
			for j := range out {
				if out[j].Certificate == arn {
					out[j].CertExpires = *c.Certificate.NotAfter
				}
			}
			return nil
		})
	}
	t2.wait()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func fillDistribution(d *providers.Distribution, aliases *cftypes.Aliases, origins *cftypes.Origins, vc *cftypes.ViewerCertificate) {
	if aliases != nil {
		for _, a := range aliases.Items {
			d.Aliases = append(d.Aliases, sanitize.Line(a))
		}
	}
	if origins != nil {
		for _, o := range origins.Items {
			d.Origins = append(d.Origins, providers.Origin{ID: sanitize.Line(sdkaws.ToString(o.Id)), DomainName: sanitize.Line(sdkaws.ToString(o.DomainName))})
		}
	}
	if vc != nil {
		d.Certificate = sdkaws.ToString(vc.ACMCertificateArn)
	}
}

// linkOrigins names the load balancer behind each origin: the one whose
// DNS name the origin's domain is.
func linkOrigins(ds []providers.Distribution, lbs []providers.LoadBalancer) {
	byDNS := map[string]*providers.LoadBalancer{}
	for i := range lbs {
		byDNS[strings.ToLower(lbs[i].DNSName)] = &lbs[i]
	}
	for i := range ds {
		for j := range ds[i].Origins {
			o := &ds[i].Origins[j]
			if lb := byDNS[strings.ToLower(strings.TrimSuffix(o.DomainName, "."))]; lb != nil {
				o.LoadBalancer, o.Region = lb.Name, lb.Region
			}
		}
	}
}
