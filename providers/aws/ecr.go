package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// maxECRPage is the largest page of ecr:DescribeRepositories and
// ecr:DescribeImages.
const maxECRPage = 1000

// readECR reads the region's repositories (one listing), then the images
// of each (one listing per repository, at most Concurrency at once). Scan
// findings come with DescribeImages (its findings summary); only for an
// image of a scan-on-push repository whose listing says nothing of a scan
// (moto's DescribeImages never does; AWS's does) are they asked with
// DescribeImageScanFindings, whose first page holds the counts.
func (p *Provider) readECR(ctx context.Context, c *clients) ([]providers.ImageRepository, error) {
	pg := ecr.NewDescribeRepositoriesPaginator(c.ecr, &ecr.DescribeRepositoriesInput{MaxResults: p.pageSize(maxECRPage, 1)})
	raw, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ecr.DescribeRepositoriesOutput) []ecrtypes.Repository { return o.Repositories })
	if err != nil {
		return nil, fmt.Errorf("DescribeRepositories: %w", err)
	}
	out := make([]providers.ImageRepository, len(raw))
	sem := make(chan struct{}, p.opts.Concurrency)
	var t tasks
	for i, r := range raw {
		repo := &out[i]
		*repo = providers.ImageRepository{
			Name: sanitize.Line(sdkaws.ToString(r.RepositoryName)), Region: c.region, URI: sanitize.Line(sdkaws.ToString(r.RepositoryUri)),
			RegistryID: sdkaws.ToString(r.RegistryId), TagMutability: string(r.ImageTagMutability), Images: []providers.Image{},
		}
		if r.CreatedAt != nil {
			repo.Created = *r.CreatedAt
		}
		scanOnPush := r.ImageScanningConfiguration != nil && r.ImageScanningConfiguration.ScanOnPush
		repo.ScanOnPush = scanOnPush
		t.go_("DescribeImages", func() error {
			sem <- struct{}{}
			pg := ecr.NewDescribeImagesPaginator(c.ecr, &ecr.DescribeImagesInput{RepositoryName: r.RepositoryName, RegistryId: r.RegistryId,
				MaxResults: p.pageSize(maxECRPage, 1)})
			details, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *ecr.DescribeImagesOutput) []ecrtypes.ImageDetail { return o.ImageDetails })
			<-sem
			if err != nil {
				return err
			}
			repo.Images = make([]providers.Image, len(details))
			var t2 tasks
			for j, d := range details {
				im := &repo.Images[j]
				*im = image(d)
				if d.ImageScanStatus != nil || !scanOnPush {
					continue
				}
				t2.go_("DescribeImageScanFindings", func() error {
					sem <- struct{}{}
					defer func() { <-sem }()
					return p.scanFindings(ctx, c, r, d, im)
				})
			}
			if errs := t2.wait(); len(errs) > 0 {
				return errors.New(strings.Join(dedupe(errs), "; "))
			}
			sort.SliceStable(repo.Images, func(a, b int) bool { return repo.Images[a].PushedAt.After(repo.Images[b].PushedAt) })
			return nil
		})
	}
	if errs := t.wait(); len(errs) > 0 {
		return nil, errors.New(strings.Join(dedupe(errs), "; "))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// image converts one ECR image detail.
func image(d ecrtypes.ImageDetail) providers.Image {
	im := providers.Image{Digest: sdkaws.ToString(d.ImageDigest), Tags: []string{}, SizeBytes: sdkaws.ToInt64(d.ImageSizeInBytes), Findings: []providers.FindingSeverity{}}
	for _, tg := range d.ImageTags {
		im.Tags = append(im.Tags, sanitize.Line(tg))
	}
	sort.Strings(im.Tags)
	if d.ImagePushedAt != nil {
		im.PushedAt = *d.ImagePushedAt
	}
	if d.ImageScanStatus != nil {
		im.ScanStatus = string(d.ImageScanStatus.Status)
	}
	if d.ImageScanFindingsSummary != nil {
		im.Findings = severities(d.ImageScanFindingsSummary.FindingSeverityCounts)
	}
	return im
}

// scanFindings reads the findings counts of one image from the first page
// of DescribeImageScanFindings (the counts are on every page). An image
// never scanned (ScanNotFoundException) keeps no scan status.
func (p *Provider) scanFindings(ctx context.Context, c *clients, r ecrtypes.Repository, d ecrtypes.ImageDetail, im *providers.Image) error {
	out, err := c.ecr.DescribeImageScanFindings(ctx, &ecr.DescribeImageScanFindingsInput{RepositoryName: r.RepositoryName, RegistryId: r.RegistryId,
		ImageId: &ecrtypes.ImageIdentifier{ImageDigest: d.ImageDigest}, MaxResults: sdkaws.Int32(1)})
	var notFound *ecrtypes.ScanNotFoundException
	if errors.As(err, &notFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if out.ImageScanStatus != nil {
		im.ScanStatus = string(out.ImageScanStatus.Status)
	}
	if out.ImageScanFindings != nil {
		im.Findings = severities(out.ImageScanFindings.FindingSeverityCounts)
	}
	return nil
}

// severities turns ECR's severity counts into a list, worst first.
func severities(counts map[string]int32) []providers.FindingSeverity {
	out := make([]providers.FindingSeverity, 0, len(counts))
	for s, n := range counts {
		if n > 0 {
			out = append(out, providers.FindingSeverity{Severity: sanitize.Line(s), Count: int(n)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := providers.SeverityRank(out[i].Severity), providers.SeverityRank(out[j].Severity)
		if ri != rj {
			return ri < rj
		}
		return out[i].Severity < out[j].Severity
	})
	return out
}
