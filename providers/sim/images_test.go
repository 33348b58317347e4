package sim

import (
	"slices"
	"strings"
	"testing"

	"github.com/opsconsole/console/providers"
)

// TestDemoImages: the demo has a repository per Deployment, every pod runs
// an image, the pods of the re-pushed tag in the first cluster drift, the
// others' images are current (or, for third-party images, in no
// repository), and a pod started since pulls the tag again.
func TestDemoImages(t *testing.T) {
	s := newTest(t, Options{})
	inv := providers.Merge(s.Snapshot())
	deployments := 0
	for _, w := range inv.Workloads {
		if w.Kind == kindDeployment && w.Cluster == s.st.cl[0].name {
			deployments++
		}
	}
	if len(inv.ImageRepositories) != deployments {
		t.Errorf("%d repositories, want one per Deployment (%d)", len(inv.ImageRepositories), deployments)
	}
	count := map[string]int{}
	for _, p := range inv.Pods {
		if len(p.Images) != 1 {
			t.Fatalf("pod %s/%s images %+v", p.Namespace, p.Name, p.Images)
		}
		c := p.Images[0]
		count[c.Status]++
		drift := strings.HasPrefix(p.Owner, "Deployment/"+driftService) && p.Cluster == s.st.cl[0].name && p.Phase == "Running"
		if c.Drift != drift || (drift && (c.Status != providers.ImageDrift || c.RegistryDigest == c.Digest || c.PushedAt.IsZero())) {
			t.Errorf("pod %s/%s (%s): %+v", p.Namespace, p.Name, p.Cluster, c)
		}
		if strings.HasPrefix(p.Owner, "Deployment/") && p.Phase == "Running" && !drift && (c.Status != providers.ImageCurrent || c.PushedAt.IsZero()) {
			t.Errorf("pod %s/%s: %+v, want current", p.Namespace, p.Name, c)
		}
	}
	if count[providers.ImageDrift] == 0 || count[providers.ImageNotTracked] == 0 || count[providers.ImageDigestUnknown] == 0 {
		t.Errorf("statuses %v: want drift, untracked (third-party) and unknown (the Pending pod)", count)
	}
	drifted := 0
	for _, r := range inv.ImageRepositories {
		for _, im := range r.Images {
			drifted += im.DriftedPods
			if im.Tags == nil || im.Findings == nil {
				t.Errorf("%s %s: nil tags or findings", r.Name, im.Digest)
			}
		}
	}
	if drifted != count[providers.ImageDrift] {
		t.Errorf("images count %d drifted pods, pods %d", drifted, count[providers.ImageDrift])
	}
	// A pod placed now pulls the tag again: it runs the re-push.
	st := s.st
	for w := range st.inv.Workloads {
		wl := &st.inv.Workloads[w]
		if wl.Name != driftService || st.wl[w].ci != 0 {
			continue
		}
		for _, r := range inv.ImageRepositories {
			if r.Name == wl.Namespace+"/"+wl.Name {
				if c := st.podImages(w, true, true)[0]; c.Digest != r.Images[0].Digest || !slices.Contains(r.Images[0].Tags, "1.0.3") {
					t.Errorf("fresh pod image %+v, repository %+v", c, r.Images[0])
				}
			}
		}
	}
}
