package providers

import (
	"slices"
	"strings"
	"time"
)

// ImageRepository is a container registry repository (ECR) with its images.
type ImageRepository struct {
	Name   string `json:"name"`
	Region string `json:"region"`
	// URI is where images are pulled from: REGISTRY/NAME (an ECR
	// repositoryUri, ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME).
	URI        string    `json:"uri"`
	RegistryID string    `json:"registry_id"`
	Created    time.Time `json:"created"`
	// TagMutability is MUTABLE or IMMUTABLE (an immutable tag cannot be
	// re-pushed, so it cannot drift).
	TagMutability string `json:"tag_mutability"`
	ScanOnPush    bool   `json:"scan_on_push"`
	// Images are newest first.
	Images []Image `json:"images"`
}

// Image is one image (manifest) of a repository.
type Image struct {
	Digest    string    `json:"digest"` // sha256:…
	Tags      []string  `json:"tags"`   // [] when untagged
	PushedAt  time.Time `json:"pushed_at"`
	SizeBytes int64     `json:"size_bytes"`
	// ScanStatus is the image scan's status (COMPLETE, IN_PROGRESS,
	// FAILED...), "" when it was never scanned; Findings counts its
	// findings per severity, worst first ([] when none or not scanned).
	ScanStatus string            `json:"scan_status"`
	Findings   []FindingSeverity `json:"findings"`
	// Pods counts the pods running this image (filled by the join).
	Pods int `json:"pods"`
	// DriftedPods counts the pods that run an older push of one of its
	// tags (filled by the join): the tag was re-pushed since they started.
	DriftedPods int `json:"drifted_pods"`
}

// FindingSeverity is the number of scan findings of one severity.
type FindingSeverity struct {
	Severity string `json:"severity"` // CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED
	Count    int    `json:"count"`
}

// severityOrder ranks scan severities, worst first.
var severityOrder = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"}

// SeverityRank is the rank of a scan severity (0 is the worst); unknown
// severities rank last.
func SeverityRank(s string) int {
	for i, o := range severityOrder {
		if strings.EqualFold(s, o) {
			return i
		}
	}
	return len(severityOrder)
}

// Image statuses of a container (ContainerImage.Status), set by the join
// with the estate's image repositories.
const (
	// ImageNotTracked: the image is in no repository of the estate.
	ImageNotTracked = ""
	// ImagePinned: the pod asks for a digest (NAME@sha256:…); it runs what it asked for.
	ImagePinned = "pinned"
	// ImageCurrent: the tag still points at the digest the container runs.
	ImageCurrent = "current"
	// ImageDrift: the tag was re-pushed; the container runs an older digest.
	ImageDrift = "drift"
	// ImageDigestUnknown: the runtime has not reported a repository digest
	// (not started yet, or an image id without one).
	ImageDigestUnknown = "unknown"
	// ImageTagMissing: the repository has no such tag (deleted or never pushed).
	ImageTagMissing = "tag-missing"
)

// ContainerImage is the image one container of a pod runs: what the pod
// spec asks for and what the kubelet reports (status.containerStatuses).
type ContainerImage struct {
	Container string `json:"container"`
	// Image is the reference of the pod spec (REGISTRY/NAME:TAG or NAME@DIGEST).
	Image string `json:"image"`
	// ImageID is the kubelet's containerStatuses[].imageID ("" until the
	// container was created); Digest the repository digest in it ("" when
	// it carries none, see RunningDigest).
	ImageID string `json:"image_id"`
	Digest  string `json:"digest"`
	// Filled by the join with the image repositories (ImageRepository):
	// the repository and region the image is in, the digest its tag points
	// at now, when the running image was pushed (zero when unknown), and
	// Status (ImagePinned, ImageCurrent, ImageDrift...; "" when the image is
	// in no repository of the estate). Drift is Status == ImageDrift.
	Repository     string    `json:"repository,omitempty"`
	Region         string    `json:"region,omitempty"`
	RegistryDigest string    `json:"registry_digest,omitempty"`
	PushedAt       time.Time `json:"pushed_at"`
	Status         string    `json:"status"`
	Drift          bool      `json:"drift"`
}

// ImageRef is an image reference split into its parts:
// NAME[:TAG][@DIGEST], NAME being [REGISTRY/]PATH.
type ImageRef struct {
	Name, Tag, Digest string
}

// ParseImageRef splits an image reference (the Docker reference grammar:
// the tag is after the last ':' of the last path component, the digest
// after '@'). A reference without tag or digest has Tag "" (the runtime
// pulls "latest").
func ParseImageRef(ref string) ImageRef {
	var r ImageRef
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref, r.Digest = ref[:i], ref[i+1:]
	}
	slash := strings.LastIndexByte(ref, '/')
	if i := strings.LastIndexByte(ref, ':'); i > slash {
		ref, r.Tag = ref[:i], ref[i+1:]
	}
	r.Name = ref
	return r
}

// RunningDigest is the repository digest in a kubelet imageID: the part
// after '@' of "docker-pullable://NAME@sha256:…" or "NAME@sha256:…". A
// bare "sha256:…" (or "docker://sha256:…") is the local image id (the
// digest of the image's config, not of its manifest) and anything else
// ("lab://…") carries no digest: both give "".
func RunningDigest(imageID string) string {
	i := strings.LastIndexByte(imageID, '@')
	if i < 0 {
		return ""
	}
	d := imageID[i+1:]
	if !strings.Contains(d, ":") {
		return ""
	}
	return d
}

// joinImages sets each pod container's repository, registry digest, push
// time and status from the image repositories, and counts on each image
// the pods that run it and the pods running an older push of one of its
// tags. Pods' image slices are copied before they are written (the
// inventories merged are immutable). A tag that is drift: the image asked
// for by tag is in a repository of the estate, the tag points at digest D
// now, and the kubelet reports a repository digest R ≠ D. Silent (no
// drift) when the pod pins a digest, the image is in no repository, or the
// running digest is unknown.
func joinImages(inv *Inventory) {
	if len(inv.ImageRepositories) == 0 {
		return
	}
	j := imageJoin{inv: inv, repos: make(map[string]int, len(inv.ImageRepositories)), byDigest: map[string]imageAt{}, byTag: map[string]imageAt{},
		memo: map[*ContainerImage]joined{}}
	for i := range inv.ImageRepositories {
		r := &inv.ImageRepositories[i]
		r.Images = slices.Clone(r.Images)
		j.repos[strings.ToLower(r.URI)] = i
		for k := range r.Images {
			im := &r.Images[k]
			im.Pods, im.DriftedPods = 0, 0
			j.byDigest[r.URI+"@"+im.Digest] = imageAt{i, k}
			for _, t := range im.Tags {
				j.byTag[r.URI+":"+t] = imageAt{i, k}
			}
		}
	}
	for pi := range inv.Pods {
		p := &inv.Pods[pi]
		if len(p.Images) == 0 {
			continue
		}
		// Pods of one workload may share their slice (the demo's do): it
		// is joined once.
		res, ok := j.memo[&p.Images[0]]
		if !ok || len(res.images) != len(p.Images) {
			res = j.join(p.Images)
			j.memo[&p.Images[0]] = res
		}
		if res.images == nil {
			continue // none of its images is in the estate: nothing to fill
		}
		p.Images = res.images
		for _, at := range res.running {
			inv.ImageRepositories[at.repo].Images[at.img].Pods++
		}
		for _, at := range res.drifted {
			inv.ImageRepositories[at.repo].Images[at.img].DriftedPods++
		}
	}
}

// imageAt is an image of a repository: their indexes.
type imageAt struct{ repo, img int }

// imageJoin is the state of joinImages: the repositories by URI, their
// images by URI@digest and URI:tag, and the pods' image slices joined.
type imageJoin struct {
	inv             *Inventory
	repos           map[string]int
	byDigest, byTag map[string]imageAt
	memo            map[*ContainerImage]joined
}

// joined is a pod's image slice filled in (nil when none of its images is
// in a repository), the images its containers run and the images whose
// tag they run an older push of.
type joined struct {
	images           []ContainerImage
	running, drifted []imageAt
}

// join fills a copy of one pod's images.
func (j *imageJoin) join(in []ContainerImage) joined {
	var res joined
	if !slices.ContainsFunc(in, func(c ContainerImage) bool {
		_, ok := j.repos[strings.ToLower(ParseImageRef(c.Image).Name)]
		return ok
	}) {
		return res
	}
	res.images = slices.Clone(in)
	for ci := range res.images {
		c := &res.images[ci]
		c.Repository, c.Region, c.RegistryDigest, c.PushedAt, c.Status, c.Drift = "", "", "", time.Time{}, ImageNotTracked, false
		ref := ParseImageRef(c.Image)
		ri, ok := j.repos[strings.ToLower(ref.Name)]
		if !ok {
			continue
		}
		r := &j.inv.ImageRepositories[ri]
		c.Repository, c.Region = r.Name, r.Region
		if at, ok := j.byDigest[r.URI+"@"+c.Digest]; ok && c.Digest != "" {
			res.running = append(res.running, at)
			c.PushedAt = r.Images[at.img].PushedAt
		}
		if ref.Digest != "" {
			c.Status = ImagePinned
			continue
		}
		tag := ref.Tag
		if tag == "" {
			tag = "latest"
		}
		cur, tagOK := j.byTag[r.URI+":"+tag]
		switch {
		case !tagOK:
			c.Status = ImageTagMissing
		case c.Digest == "":
			c.Status = ImageDigestUnknown
			c.RegistryDigest, c.PushedAt = r.Images[cur.img].Digest, r.Images[cur.img].PushedAt
		case r.Images[cur.img].Digest == c.Digest:
			c.Status, c.RegistryDigest = ImageCurrent, c.Digest
		default:
			c.Status, c.Drift, c.RegistryDigest = ImageDrift, true, r.Images[cur.img].Digest
			res.drifted = append(res.drifted, cur)
		}
	}
	return res
}
