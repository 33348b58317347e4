package providers

import (
	"testing"
	"time"
)

func TestParseImageRef(t *testing.T) {
	tests := []struct {
		in   string
		want ImageRef
	}{
		{"nginx", ImageRef{Name: "nginx"}},
		{"nginx:1.25", ImageRef{Name: "nginx", Tag: "1.25"}},
		{"localhost:5000/shop/web", ImageRef{Name: "localhost:5000/shop/web"}},
		{"localhost:5000/shop/web:v2", ImageRef{Name: "localhost:5000/shop/web", Tag: "v2"}},
		{"1.dkr.ecr.us-east-1.amazonaws.com/web@sha256:abc", ImageRef{Name: "1.dkr.ecr.us-east-1.amazonaws.com/web", Digest: "sha256:abc"}},
		{"1.dkr.ecr.us-east-1.amazonaws.com/web:v1@sha256:abc", ImageRef{Name: "1.dkr.ecr.us-east-1.amazonaws.com/web", Tag: "v1", Digest: "sha256:abc"}},
	}
	for _, tt := range tests {
		if got := ParseImageRef(tt.in); got != tt.want {
			t.Errorf("ParseImageRef(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestRunningDigest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"docker-pullable://1.dkr.ecr.us-east-1.amazonaws.com/web@sha256:abc", "sha256:abc"},
		{"1.dkr.ecr.us-east-1.amazonaws.com/web@sha256:abc", "sha256:abc"},
		{"sha256:abc", ""},          // the local image id (config digest)
		{"docker://sha256:abc", ""}, // same, from dockershim
		{"lab://shop/web:v1", ""},
		{"", ""},
		{"web@", ""},
	}
	for _, tt := range tests {
		if got := RunningDigest(tt.in); got != tt.want {
			t.Errorf("RunningDigest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJoinImages(t *testing.T) {
	const uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web"
	old, cur := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	repo := ImageRepository{Name: "shop/web", Region: "us-east-1", URI: uri, Images: []Image{
		{Digest: "sha256:new", Tags: []string{"v1"}, PushedAt: cur},                 // v1 re-pushed
		{Digest: "sha256:old", Tags: []string{}, PushedAt: old},                     // the first v1, untagged since
		{Digest: "sha256:two", Tags: []string{"latest", "v2"}, PushedAt: cur},       // current
		{Digest: "sha256:pin", Tags: []string{"v0"}, PushedAt: old.Add(-time.Hour)}, // pinned by digest
	}}
	tests := []struct {
		name, image, imageID string
		status               string
		drift                bool
		registry             string
		pushed               time.Time
	}{
		{"re-pushed tag: drift", uri + ":v1", "docker-pullable://" + uri + "@sha256:old", ImageDrift, true, "sha256:new", old},
		{"tag still current", uri + ":v2", uri + "@sha256:two", ImageCurrent, false, "sha256:two", cur},
		{"no tag is latest", uri, uri + "@sha256:two", ImageCurrent, false, "sha256:two", cur},
		{"host case does not matter", "123456789012.DKR.ECR.us-east-1.amazonaws.com/shop/web:v2", uri + "@sha256:two", ImageCurrent, false, "sha256:two", cur},
		// Must stay silent:
		{"digest-pinned", uri + "@sha256:pin", uri + "@sha256:pin", ImagePinned, false, "", old.Add(-time.Hour)},
		{"digest-pinned with a re-pushed tag", uri + ":v1@sha256:old", uri + "@sha256:old", ImagePinned, false, "", old},
		{"not in ECR", "nginx:1.25", "docker.io/library/nginx@sha256:xyz", ImageNotTracked, false, "", time.Time{}},
		{"other repository of the registry", "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:v1", "x@sha256:old", ImageNotTracked, false, "", time.Time{}},
		{"unknown imageID (not started)", uri + ":v1", "", ImageDigestUnknown, false, "sha256:new", cur},
		{"local image id only", uri + ":v1", "sha256:old", ImageDigestUnknown, false, "sha256:new", cur},
		{"lab kubelet id", uri + ":v1", "lab://" + uri + ":v1", ImageDigestUnknown, false, "sha256:new", cur},
		{"tag gone", uri + ":v9", uri + "@sha256:old", ImageTagMissing, false, "", old},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &Inventory{
				ImageRepositories: []ImageRepository{repo},
				Pods: []Pod{{Namespace: "shop", Name: "web-1", Images: []ContainerImage{
					{Container: "web", Image: tt.image, ImageID: tt.imageID, Digest: RunningDigest(tt.imageID)}}}},
			}
			inv := Merge(src)
			c := inv.Pods[0].Images[0]
			if c.Status != tt.status || c.Drift != tt.drift || c.RegistryDigest != tt.registry || !c.PushedAt.Equal(tt.pushed) {
				t.Errorf("got status %q drift %v registry %q pushed %v; want %q %v %q %v", c.Status, c.Drift, c.RegistryDigest, c.PushedAt,
					tt.status, tt.drift, tt.registry, tt.pushed)
			}
			if tt.status != ImageNotTracked && (c.Repository != "shop/web" || c.Region != "us-east-1") {
				t.Errorf("repository %q region %q", c.Repository, c.Region)
			}
			drifted := 0
			for _, im := range inv.ImageRepositories[0].Images {
				drifted += im.DriftedPods
			}
			if want := map[bool]int{true: 1}[tt.drift]; drifted != want {
				t.Errorf("drifted pods on the images = %d, want %d", drifted, want)
			}
			// The merged sources are immutable.
			if s := src.Pods[0].Images[0]; s.Status != "" || s.RegistryDigest != "" || src.ImageRepositories[0].Images[0].DriftedPods != 0 {
				t.Errorf("join wrote into its input: %+v", s)
			}
		})
	}
}

func TestJoinImagesCountsPods(t *testing.T) {
	const uri = "1.dkr.ecr.eu-west-1.amazonaws.com/api"
	inv := &Inventory{ImageRepositories: []ImageRepository{{Name: "api", Region: "eu-west-1", URI: uri, Images: []Image{
		{Digest: "sha256:b", Tags: []string{"v1"}}, {Digest: "sha256:a", Tags: []string{}}}}}}
	for i, d := range []string{"sha256:a", "sha256:a", "sha256:b"} {
		inv.Pods = append(inv.Pods, Pod{Name: string(rune('a' + i)), Images: []ContainerImage{{Image: uri + ":v1", ImageID: uri + "@" + d, Digest: d}}})
	}
	// Two more pods sharing one slice (as the demo's replicas do) count twice.
	shared := []ContainerImage{{Image: uri + ":v1", ImageID: uri + "@sha256:b", Digest: "sha256:b"}}
	inv.Pods = append(inv.Pods, Pod{Name: "d", Images: shared}, Pod{Name: "e", Images: shared})
	Join(inv)
	Join(inv) // idempotent
	im := inv.ImageRepositories[0].Images
	if im[0].Pods != 3 || im[0].DriftedPods != 2 || im[1].Pods != 2 || im[1].DriftedPods != 0 {
		t.Errorf("counts: %+v", im)
	}
}
