package sim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/opsconsole/console/providers"
)

// The demo's registry: one ECR repository per Deployment, in the first
// region (the clusters of both regions pull from it).
const (
	simAccount = "123456789012"
	// driftService's tag was re-pushed after its pods in the first cluster
	// started: they run the first push (drift).
	driftService = "cart"
)

// registry is the URI prefix of the demo's ECR registry.
func registry() string {
	return simAccount + ".dkr.ecr." + regionDefs[0].name + ".amazonaws.com"
}

// thirdParty are the images of the StatefulSets and DaemonSets: public
// images in no repository of the estate (the join leaves them alone).
var thirdParty = map[string]string{
	"orders-mongo": "mongo:7.0", "orders-mongo-arbiter": "mongo:7.0", "sessions-redis": "redis:7.2",
	"sessions-sentinel": "redis:7.2", "pilosa": "pilosa/pilosa:v1.4.0", "kafka": "bitnami/kafka:3.7",
	"node-exporter": "quay.io/prometheus/node-exporter:v1.8.2", "fluent-bit": "cr.fluentbit.io/fluent/fluent-bit:3.1",
}

// wlImages are the container images of a workload's pods, shared by them
// (never modified): those started at generation (the drifted workload's
// run the first push of its tag), those started since (they pulled the
// tag again), and those not started (no imageID yet).
type wlImages struct {
	started, fresh, pending []providers.ContainerImage
}

// podImages is the image slice of a pod of workload w.
func (st *state) podImages(w int, running, fresh bool) []providers.ContainerImage {
	if w < 0 || w >= len(st.images) {
		return nil
	}
	switch im := &st.images[w]; {
	case !running:
		return im.pending
	case fresh:
		return im.fresh
	default:
		return im.started
	}
}

// genImages creates a repository per Deployment with three pushes
// (1.0.N, the newest also latest), the newest scanned with findings, and
// gives each workload's pods one container running its image; the pods
// of driftService in the first cluster run the first push of a tag
// re-pushed since. Run after genWorkloads.
func (st *state) genImages() {
	now := st.opts.Start
	// An rng of its own: the rest of the demo stays as it was generated.
	rng := rand.New(rand.NewPCG(uint64(st.opts.Seed), 0xec7))
	digest := func() string {
		b := make([]byte, 64)
		for i := range b {
			b[i] = hexDigits[rng.IntN(16)]
		}
		return "sha256:" + string(b)
	}
	repoOf := map[string]int{} // namespace/name → repository
	for i := range st.inv.Workloads {
		w := &st.inv.Workloads[i]
		if w.Kind != kindDeployment {
			continue
		}
		key := w.Namespace + "/" + w.Name
		if _, ok := repoOf[key]; ok {
			continue
		}
		repo := providers.ImageRepository{Name: key, Region: regionDefs[0].name, URI: registry() + "/" + key, RegistryID: simAccount,
			Created: now.Add(-400 * 24 * time.Hour), TagMutability: "MUTABLE", ScanOnPush: true}
		for v := 3; v >= 1; v-- { // newest first
			im := providers.Image{Digest: digest(), Tags: []string{fmt.Sprintf("1.0.%d", v)},
				PushedAt:  now.Add(-time.Duration(4-v)*9*24*time.Hour - time.Duration(rng.IntN(600))*time.Minute),
				SizeBytes: int64(40+rng.IntN(200)) << 20, ScanStatus: "COMPLETE", Findings: []providers.FindingSeverity{}}
			if v == 3 {
				im.Tags = append(im.Tags, "latest")
				if rng.IntN(3) == 0 {
					im.Findings = append(im.Findings, providers.FindingSeverity{Severity: "HIGH", Count: 1 + rng.IntN(3)})
				}
				im.Findings = append(im.Findings, providers.FindingSeverity{Severity: "MEDIUM", Count: rng.IntN(6)})
			}
			repo.Images = append(repo.Images, im)
		}
		if w.Name == driftService {
			// 1.0.3 was re-pushed an hour ago: the first push is untagged.
			first := repo.Images[0]
			first.Tags, first.PushedAt, first.Findings = []string{}, first.PushedAt.Add(-2*time.Hour), []providers.FindingSeverity{}
			repo.Images[0].Digest, repo.Images[0].PushedAt = digest(), now.Add(-time.Hour)
			repo.Images = append(repo.Images[:1], append([]providers.Image{first}, repo.Images[1:]...)...)
		}
		repoOf[key] = len(st.inv.ImageRepositories)
		st.inv.ImageRepositories = append(st.inv.ImageRepositories, repo)
	}
	st.images = make([]wlImages, len(st.inv.Workloads))
	for i := range st.inv.Workloads {
		w := &st.inv.Workloads[i]
		c := providers.ContainerImage{Container: w.Name}
		fresh := c
		if ri, ok := repoOf[w.Namespace+"/"+w.Name]; ok {
			r := &st.inv.ImageRepositories[ri]
			c.Image = r.URI + ":1.0.3"
			fresh = c
			fresh.ImageID, fresh.Digest = r.URI+"@"+r.Images[0].Digest, r.Images[0].Digest
			c.ImageID, c.Digest = fresh.ImageID, fresh.Digest
			if w.Name == driftService && st.wl[i].ci == 0 {
				c.ImageID, c.Digest = r.URI+"@"+r.Images[1].Digest, r.Images[1].Digest // the first push of the re-pushed tag
			}
		} else {
			c.Image = thirdParty[w.Name]
			if c.Image == "" {
				c.Image = "busybox:1.36" // a workload the demo added since (a CronJob's Job)
			}
			c.ImageID = "docker.io/" + c.Image + "@" + digest()
			c.Digest = providers.RunningDigest(c.ImageID)
			fresh = c
		}
		pending := c
		pending.ImageID, pending.Digest = "", ""
		st.images[i] = wlImages{started: []providers.ContainerImage{c}, fresh: []providers.ContainerImage{fresh}, pending: []providers.ContainerImage{pending}}
	}
	for i := range st.pods {
		p := &st.pods[i]
		p.Images = st.podImages(p.wl, p.Phase == "Running", false)
	}
}
