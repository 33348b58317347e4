package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
)

// manifestMediaType is the Docker image manifest, schema 2.
const manifestMediaType = "application/vnd.docker.distribution.manifest.v2+json"

// ImageManifest is a Docker schema-2 manifest whose config and single
// layer are named by digests derived from content: different content, a
// different image (and digest). Size is the config's size, which moto
// reports as the image's size.
func ImageManifest(content string, size int64) string {
	digest := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(h[:])
	}
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     manifestMediaType,
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": size, "digest": digest("config " + content)},
		"layers": []map[string]any{{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": size,
			"digest": digest("layer " + content)}},
	}
	b, _ := json.Marshal(m) // a map of plain values always marshals
	return string(b)
}

// PushImage puts an image (ImageManifest of content) into repo under tag
// through ecr:PutImage, as `docker push` ends, and returns its digest.
// Pushing other content under an existing tag moves the tag (a re-push).
func PushImage(ctx context.Context, c *ecr.Client, repo, tag, content string, size int64) (string, error) {
	out, err := c.PutImage(ctx, &ecr.PutImageInput{RepositoryName: aws.String(repo), ImageTag: aws.String(tag),
		ImageManifest: aws.String(ImageManifest(content, size)), ImageManifestMediaType: aws.String(manifestMediaType)})
	if err != nil {
		return "", fmt.Errorf("push %s:%s: %w", repo, tag, err)
	}
	return aws.ToString(out.Image.ImageId.ImageDigest), nil
}

// CreateRepository creates an ECR repository and returns its URI.
func CreateRepository(ctx context.Context, c *ecr.Client, name string, scanOnPush bool) (string, error) {
	out, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String(name),
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: scanOnPush}})
	if err != nil {
		return "", fmt.Errorf("create repository %s: %w", name, err)
	}
	return aws.ToString(out.Repository.RepositoryUri), nil
}

// SeedRepositories creates n repositories PREFIX/repo-NN, each with
// images tagged v1…vM (M = images); the first scanned of them are
// scan-on-push with their newest image scanned (StartImageScan). For the
// benchmark and the pagination tests.
func SeedRepositories(ctx context.Context, cfg aws.Config, prefix string, n, images, scanned int) error {
	c := ecr.NewFromConfig(cfg)
	for i := range n {
		name := fmt.Sprintf("%s/repo-%02d", prefix, i)
		if _, err := CreateRepository(ctx, c, name, i < scanned); err != nil {
			return err
		}
		for j := 1; j <= images; j++ {
			if _, err := PushImage(ctx, c, name, fmt.Sprintf("v%d", j), fmt.Sprintf("%s %s v%d", cfg.Region, name, j), int64(1<<20*j)); err != nil {
				return err
			}
		}
		if i < scanned {
			if _, err := c.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: aws.String(name),
				ImageId: &ecrtypes.ImageIdentifier{ImageTag: aws.String(fmt.Sprintf("v%d", images))}}); err != nil {
				return fmt.Errorf("scan %s: %w", name, err)
			}
		}
	}
	return nil
}

// seedImages creates the lab's repositories: PREFIX/web (scan on push)
// whose tag v1 was pushed (also as build-1), scanned, then re-pushed with
// other content (a pod started before runs the first push: drift), and
// PREFIX/api with v1 pushed once (current).
func seedImages(ctx context.Context, cfg aws.Config, r *AWSRegionEstate, name func(string) string) error {
	c := ecr.NewFromConfig(cfg)
	r.RepositoryURI = map[string]string{}
	web, api := name("web"), name("api")
	for _, repo := range []string{web, api} {
		uri, err := CreateRepository(ctx, c, repo, repo == web)
		if err != nil {
			return err
		}
		r.Repositories = append(r.Repositories, repo)
		r.RepositoryURI[repo] = uri
	}
	var err error
	if r.ImageDriftOld, err = PushImage(ctx, c, web, "build-1", "web build 1", 30<<20); err != nil {
		return err
	}
	if _, err = PushImage(ctx, c, web, "v1", "web build 1", 30<<20); err != nil {
		return err
	}
	if _, err := c.StartImageScan(ctx, &ecr.StartImageScanInput{RepositoryName: aws.String(web),
		ImageId: &ecrtypes.ImageIdentifier{ImageTag: aws.String("build-1")}}); err != nil {
		return fmt.Errorf("scan %s:build-1: %w", web, err)
	}
	if r.ImageDriftNew, err = PushImage(ctx, c, web, "v1", "web build 2", 31<<20); err != nil {
		return err
	}
	r.ImageDrift = r.RepositoryURI[web] + ":v1"
	if r.ImageCurrentDigest, err = PushImage(ctx, c, api, "v1", "api build 1", 20<<20); err != nil {
		return err
	}
	r.ImageCurrent = r.RepositoryURI[api] + ":v1"
	return nil
}
