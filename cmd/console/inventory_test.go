package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// TestInventoryJSONImagesNeverNull: the images arrays (a pod's, a
// repository's, an image's tags and findings) are [] when empty, and the
// snapshot normalised is not modified.
func TestInventoryJSONImagesNeverNull(t *testing.T) {
	inv := &providers.Inventory{
		Pods:              []providers.Pod{{Namespace: "shop", Name: "web-1"}},
		ImageRepositories: []providers.ImageRepository{{Name: "empty"}, {Name: "web", Images: []providers.Image{{Digest: "sha256:a"}}}},
	}
	var buf bytes.Buffer
	if err := sanitize.EncodeJSON(&buf, normalize(inv)); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	out := compact.String()
	for _, want := range []string{`"image_repositories":[`, `"images":[]`, `"tags":[]`, `"findings":[]`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "null") {
		t.Errorf("JSON has null:\n%s", out)
	}
	if inv.Pods[0].Images != nil || inv.ImageRepositories[0].Images != nil || inv.ImageRepositories[1].Images[0].Tags != nil {
		t.Errorf("normalize modified the snapshot: %+v", inv)
	}
}
