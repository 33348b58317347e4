package pages

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewImages returns the container images view: ECR repositories with their
// images (tags, digest, pushed, size, scan findings, pods running each); an
// image whose tag was re-pushed while pods still run an older push of it
// is a warning (drift).
func NewImages(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "REPOSITORY", Width: 16, Grow: true, Max: 48, Priority: 10, Middle: true}, {Title: "TAGS", Width: 10, Grow: true, Max: 32, Priority: 9},
		{Title: "STATUS", Width: 10, Grow: true, Max: 40, Priority: 8}, {Title: "DIGEST", Width: 19, Priority: 4},
		{Title: "PUSHED", Width: 6, Right: true, Priority: 7}, {Title: "SIZE", Width: 8, Right: true, Priority: 3},
		{Title: "FINDINGS", Width: 10, Priority: 5}, {Title: "PODS", Width: 4, Right: true, Priority: 6}, {Title: "REGION", Width: 9, Priority: 2},
	}
	p := newListPage(ctx, "images", "Images", cols, buildImages)
	p.hints = []key.Binding{ctx.Keys.Detail, ctx.Keys.Sort}
	return p
}

// shortDigest is "sha256:" and the first 12 hex digits.
func shortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

// sizeText is a size in bytes as MiB or GiB.
func sizeText(b int64) string {
	switch {
	case b <= 0:
		return "-"
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	default:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
}

// findingsText is "2 HIGH 5 MEDIUM", the scan status when it found
// nothing yet, or "-" when never scanned.
func findingsText(im *providers.Image) string {
	if len(im.Findings) == 0 {
		switch im.ScanStatus {
		case "":
			return "-"
		case "COMPLETE":
			return "none"
		default:
			return strings.ToLower(im.ScanStatus)
		}
	}
	parts := make([]string, 0, len(im.Findings))
	for _, f := range im.Findings {
		parts = append(parts, strconv.Itoa(f.Count)+" "+f.Severity)
	}
	return strings.Join(parts, " ")
}

// imageStatus is the image's row status: a drift warning when pods run an
// older push of one of its tags.
func imageStatus(im *providers.Image) (int, string) {
	switch {
	case im.DriftedPods > 0:
		return providers.HealthWarn, fmt.Sprintf("drift: %d pod%s on an older push", im.DriftedPods, plural(im.DriftedPods))
	case im.Pods > 0 && len(im.Tags) == 0:
		return providers.HealthOK, "running, untagged"
	case im.Pods > 0:
		return providers.HealthOK, "running"
	case len(im.Tags) == 0:
		return providers.HealthOK, "untagged"
	default:
		return providers.HealthOK, "-"
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func buildImages(in *Input) *listData {
	inv := in.Inv
	type at struct{ repo, img int } // img -1: a repository without images
	var idx []at
	for r := range inv.ImageRepositories {
		if len(inv.ImageRepositories[r].Images) == 0 {
			idx = append(idx, at{r, -1})
		}
		for i := range inv.ImageRepositories[r].Images {
			idx = append(idx, at{r, i})
		}
	}
	d := &listData{rows: make([]table.Row, len(idx)), texts: make([]string, len(idx))}
	for i, a := range idx {
		r := &inv.ImageRepositories[a.repo]
		name := san(r.Name)
		if a.img < 0 {
			d.rows[i] = table.Row{Key: "repository/" + san(r.Region) + "/" + name,
				Cells: []string{name, "-", "no images", "-", "-", "-", "-", "0", san(r.Region)}}
			d.texts[i] = common.Fold(name + " " + san(r.Region))
			continue
		}
		im := &r.Images[a.img]
		h, status := imageStatus(im)
		tags := san(strings.Join(im.Tags, ","))
		d.rows[i] = table.Row{
			Key:    "image/" + san(r.Region) + "/" + name + "@" + san(im.Digest),
			Cells:  []string{name, tags, glyph(h) + " " + status, san(shortDigest(im.Digest)), age(in.Now, im.PushedAt), sizeText(im.SizeBytes), san(findingsText(im)), strconv.Itoa(im.Pods), san(r.Region)},
			Health: h,
		}
		d.texts[i] = common.Fold(name + " " + tags + " " + san(im.Digest) + " " + status + " " + san(r.Region))
	}
	d.sel = func(i int) Selection {
		a := idx[i]
		r := &inv.ImageRepositories[a.repo]
		if a.img < 0 {
			return Selection{Key: d.rows[i].Key, Detail: detail.Content{Title: "repository " + r.Name, Fields: repoFields(r)}}
		}
		im := &r.Images[a.img]
		f := repoFields(r)
		f.add("digest", im.Digest)
		f.add("tags", strings.Join(im.Tags, ", "))
		f.add("pushed", stamp(im.PushedAt)+" ("+age(in.Now, im.PushedAt)+" ago)")
		f.add("size", sizeText(im.SizeBytes))
		if im.ScanStatus == "" {
			f.add("scan", "never scanned")
		} else {
			f.add("scan", im.ScanStatus+": "+findingsText(im))
		}
		running, drifted := podsOfImage(inv, r, im)
		f.add("pods running it", strconv.Itoa(im.Pods))
		for _, p := range running {
			f.sub("pod", p)
		}
		if len(drifted) > 0 {
			verb := "runs"
			if im.DriftedPods != 1 {
				verb = "run"
			}
			f.add("drift", fmt.Sprintf("%d pod%s %s an older push of %s", im.DriftedPods, plural(im.DriftedPods), verb, strings.Join(im.Tags, ", ")))
			for _, p := range drifted {
				f.sub("pod", p)
			}
		}
		return Selection{Key: d.rows[i].Key, Detail: detail.Content{Title: "image " + r.Name + " " + shortDigest(im.Digest), Fields: f}}
	}
	return d
}

func repoFields(r *providers.ImageRepository) fields {
	var f fields
	f.add("kind", "Image")
	f.add("repository", r.Name)
	f.add("uri", r.URI)
	f.add("region", r.Region)
	f.add("tag mutability", r.TagMutability)
	f.add("scan on push", yesno(r.ScanOnPush))
	return f
}

// maxPodsListed bounds the pods an image's detail names.
const maxPodsListed = 10

// podsOfImage names the pods running im, and those running an older push
// of one of its tags with the digest they run (at most maxPodsListed each,
// then "+N more").
func podsOfImage(inv *providers.Inventory, r *providers.ImageRepository, im *providers.Image) (running, drifted []string) {
	nr, nd := 0, 0
	for i := range inv.Pods {
		p := &inv.Pods[i]
		for _, c := range p.Images {
			if c.Repository != r.Name || c.Region != r.Region {
				continue
			}
			name := p.Namespace + "/" + p.Name
			if c.Digest == im.Digest {
				if nr++; nr <= maxPodsListed {
					running = append(running, name)
				}
			}
			if c.Drift && c.RegistryDigest == im.Digest {
				if nd++; nd <= maxPodsListed {
					drifted = append(drifted, name+" runs "+shortDigest(c.Digest))
				}
			}
		}
	}
	if nr > maxPodsListed {
		running = append(running, fmt.Sprintf("+%d more", nr-maxPodsListed))
	}
	if nd > maxPodsListed {
		drifted = append(drifted, fmt.Sprintf("+%d more", nd-maxPodsListed))
	}
	return running, drifted
}

// imageFields adds a pod's container images to its detail: the reference,
// the digest it runs and when that was pushed, and whether its tag still
// points at it.
func imageFields(f *fields, now time.Time, imgs []providers.ContainerImage) {
	if len(imgs) == 0 {
		return
	}
	f.add("images", "")
	for _, c := range imgs {
		f.sub(c.Container, c.Image)
		running := "unknown (no repository digest reported)"
		if c.Digest != "" {
			running = shortDigest(c.Digest)
		}
		if !c.PushedAt.IsZero() {
			running += ", pushed " + age(now, c.PushedAt) + " ago"
		}
		f.sub2("running", running)
		var status string
		switch c.Status {
		case providers.ImageNotTracked:
			status = "in no repository of the estate"
		case providers.ImagePinned:
			status = "pinned by digest"
		case providers.ImageCurrent:
			status = "tag current"
		case providers.ImageDrift:
			status = "DRIFT: tag re-pushed, now " + shortDigest(c.RegistryDigest)
		case providers.ImageDigestUnknown:
			status = "tag at " + shortDigest(c.RegistryDigest) + ", running digest unknown"
		case providers.ImageTagMissing:
			status = "the repository has no such tag"
		}
		f.sub2("registry", status)
		if c.Repository != "" {
			f.sub2("repository", c.Repository+" ("+c.Region+")")
		}
	}
}
