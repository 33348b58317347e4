package aws

import (
	"slices"
	"sort"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// TestLabEstate reads the estate of the lab's shared seeder (lab.SeedAWS,
// the one the end-to-end tests use): private subnets routed through a NAT
// gateway, public subnets through the internet gateway, instances attached
// to the ASG (no group tag), the ALB's HTTPS listener and the Aurora roles.
func TestLabEstate(t *testing.T) {
	m := lab.Moto(t)
	ctx := testCtx(t, 3*time.Minute)
	regions := []string{"us-east-1", "eu-west-1"}
	var cfgs []sdkaws.Config
	for _, r := range regions {
		cfgs = append(cfgs, m.Config(ctx, r))
	}
	est, err := lab.SeedAWS(ctx, cfgs, lab.AWSSeedOptions{InstancesPerAZ: 2})
	if err != nil {
		t.Fatal(err)
	}
	p := newTestProvider(t, m, regions, nil)
	inv, st, err := p.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Repeated != 0 {
		t.Errorf("%d repeated calls", st.Repeated)
	}
	for _, r := range est.Regions {
		for az, id := range r.PublicSubnets {
			if sn := findSubnet(inv, id); sn == nil || !sn.Public || sn.Zone != az {
				t.Errorf("%s public subnet %s: %+v", r.Region, id, sn)
			}
		}
		for az, id := range r.PrivateSubnets {
			if sn := findSubnet(inv, id); sn == nil || sn.Public || sn.Zone != az {
				t.Errorf("%s private subnet %s (NAT route): %+v", r.Region, id, sn)
			}
		}
		g := findASG(inv, r.Region, r.ASG)
		var want []string
		for _, ins := range r.Instances {
			for _, in := range ins {
				want = append(want, in.ID)
				got := findInstance(inv, in.ID)
				if got == nil || got.ASG != r.ASG || got.Zone != in.AZ || got.PrivateIP != in.PrivateIP || got.Subnet != r.PrivateSubnets[in.AZ] {
					t.Errorf("%s instance %+v: %+v", r.Region, in, got)
				}
			}
		}
		sort.Strings(want)
		if g == nil || g.InService != len(want) || len(g.Instances) != len(want) || g.LaunchTemplate == "" {
			t.Errorf("%s ASG %s: %+v (want %d in service)", r.Region, r.ASG, g, len(want))
		}
		if b := findInstance(inv, r.Bastion); b == nil || !b.Bastion {
			t.Errorf("%s bastion: %+v", r.Region, b)
		}
		var lb *providers.LoadBalancer
		for i := range inv.LoadBalancers {
			if inv.LoadBalancers[i].Region == r.Region && inv.LoadBalancers[i].DNSName == r.LoadBalancerDNS {
				lb = &inv.LoadBalancers[i]
			}
		}
		if lb == nil || lb.SSLTermination != r.HTTPS || lb.TargetsTotal != len(want) || lb.TargetsHealthy != len(want) {
			t.Errorf("%s load balancer (https %v): %+v", r.Region, r.HTTPS, lb)
		}
		d := findDB(inv, r.Region, r.DBCluster)
		if d == nil || len(d.Members) != len(r.DBInstances) || d.Members[0].Role != providers.RolePrimary || d.LastBackup.IsZero() {
			t.Fatalf("%s cluster: %+v", r.Region, d)
		}
		replicas := 0
		for _, mem := range d.Members {
			if mem.Role == providers.RoleReplica {
				replicas++
			}
		}
		if replicas != len(r.DBInstances)-1 {
			t.Errorf("%s replicas = %d, want %d", r.Region, replicas, len(r.DBInstances)-1)
		}
		// The alarms, linked to what they watch by their dimensions.
		for _, w := range []struct{ alarm, state, kind, object string }{
			{r.AlarmFiring, providers.AlarmFiring, providers.ObjectLoadBalancer, lb.Name},
			{r.AlarmOK, providers.AlarmOK, providers.ObjectASG, r.ASG},
			{r.AlarmDB, providers.AlarmOK, providers.ObjectDatabase, r.DBCluster},
		} {
			a := findAlarm(inv, r.Region, w.alarm)
			if a == nil || a.State != w.state || a.ObjectKind != w.kind || a.Object != w.object || a.Since.IsZero() || len(a.Dimensions) != 1 {
				t.Errorf("%s alarm %s: %+v, want %s watching %s %s", r.Region, w.alarm, a, w.state, w.kind, w.object)
			}
		}
	}
}

// TestLabEdge: the lab's CloudFront distribution is read (GetDistribution
// completes moto's bare listing), its origin names the ALB, and its
// certificate's expiry comes from ACM (20 days: expiring).
func TestLabEdge(t *testing.T) {
	r, inv, st := labRegion(t)
	if len(inv.Distributions) != 1 || len(inv.Hidden) != 0 {
		t.Fatalf("distributions %+v, hidden %+v", inv.Distributions, inv.Hidden)
	}
	d := inv.Distributions[0]
	if d.ID != r.Distribution || d.Status == "" || len(d.Aliases) != 1 || len(d.Origins) != 1 || d.Origins[0].LoadBalancer != "lab-web" ||
		d.Origins[0].Region != "us-east-1" || d.Certificate != r.DistributionCert {
		t.Errorf("distribution: %+v", d)
	}
	if left := time.Until(d.CertExpires); left < 19*24*time.Hour || left > 21*24*time.Hour || !d.CertExpiring(time.Now()) {
		t.Errorf("certificate expires %v (in %v), want in %d days and expiring", d.CertExpires, left, r.DistributionCertDays)
	}
	if st.ByOperation["CloudFront:GetDistribution"] != 1 || st.ByOperation["ACM:DescribeCertificate"] != 1 || st.Repeated != 0 {
		t.Errorf("calls %v", st.ByOperation)
	}
}

func findAlarm(inv *providers.Inventory, region, name string) *providers.Alarm {
	for i := range inv.Alarms {
		if a := &inv.Alarms[i]; a.Region == region && a.Name == name {
			return a
		}
	}
	return nil
}

// TestLabImages reads the lab's ECR repositories from moto: tags, digests,
// push times, sizes, the scan findings of the scanned image
// (DescribeImageScanFindings: moto's DescribeImages carries no scan
// summary), and joins them with pods: one runs the first push of the
// re-pushed tag (drift), one the current tag, one pins the old digest,
// one has no digest yet (the last two must stay silent).
func TestLabImages(t *testing.T) {
	r, aws, st := labRegion(t)
	if len(aws.ImageRepositories) != 2 {
		t.Fatalf("repositories %+v", aws.ImageRepositories)
	}
	web := aws.ImageRepositories[1] // sorted: lab-api, lab-web
	if web.Name != "lab-web" || web.URI != r.RepositoryURI["lab-web"] || !web.ScanOnPush || web.TagMutability != "MUTABLE" || web.Created.IsZero() ||
		len(web.Images) != 2 {
		t.Fatalf("lab-web: %+v", web)
	}
	byDigest := map[string]providers.Image{}
	for _, im := range web.Images {
		byDigest[im.Digest] = im
	}
	old, cur := byDigest[r.ImageDriftOld], byDigest[r.ImageDriftNew]
	if !slices.Equal(old.Tags, []string{"build-1"}) || old.SizeBytes != 30<<20 || old.PushedAt.IsZero() || old.ScanStatus != "COMPLETE" ||
		len(old.Findings) == 0 || old.Findings[0].Count == 0 {
		t.Errorf("first push (scanned): %+v", old)
	}
	if !slices.Equal(cur.Tags, []string{"v1"}) || cur.SizeBytes != 31<<20 || cur.ScanStatus != "" || len(cur.Findings) != 0 {
		t.Errorf("re-push: %+v", cur)
	}
	// Only the two images of the scan-on-push repository ask for findings.
	if st.ByOperation["ECR:DescribeRepositories"] != 1 || st.ByOperation["ECR:DescribeImages"] != 2 ||
		st.ByOperation["ECR:DescribeImageScanFindings"] != 2 || st.Repeated != 0 {
		t.Errorf("calls %v", st.ByOperation)
	}

	uriWeb := r.RepositoryURI["lab-web"]
	pod := func(name, image, imageID string) providers.Pod {
		return providers.Pod{Namespace: "shop", Name: name, Images: []providers.ContainerImage{
			{Container: "app", Image: image, ImageID: imageID, Digest: providers.RunningDigest(imageID)}}}
	}
	kube := &providers.Inventory{Pods: []providers.Pod{
		pod("drifted", r.ImageDrift, uriWeb+"@"+r.ImageDriftOld),
		pod("current", r.ImageCurrent, r.RepositoryURI["lab-api"]+"@"+r.ImageCurrentDigest),
		pod("pinned", uriWeb+"@"+r.ImageDriftOld, uriWeb+"@"+r.ImageDriftOld),
		pod("starting", r.ImageDrift, ""),
	}}
	inv := providers.Merge(aws, kube)
	want := map[string]struct {
		status string
		pushed time.Time
	}{
		"drifted": {providers.ImageDrift, old.PushedAt}, "current": {providers.ImageCurrent, inv.ImageRepositories[0].Images[0].PushedAt},
		"pinned": {providers.ImagePinned, old.PushedAt}, "starting": {providers.ImageDigestUnknown, cur.PushedAt},
	}
	for _, pd := range inv.Pods {
		c, w := pd.Images[0], want[pd.Name]
		if c.Status != w.status || c.Drift != (w.status == providers.ImageDrift) || !c.PushedAt.Equal(w.pushed) || c.Region != "us-east-1" {
			t.Errorf("pod %s: %+v, want %s pushed %v", pd.Name, c, w.status, w.pushed)
		}
	}
	for _, im := range inv.ImageRepositories[1].Images {
		if wantDrifted := map[bool]int{true: 1}[im.Digest == r.ImageDriftNew]; im.DriftedPods != wantDrifted {
			t.Errorf("image %s: %d drifted pods, want %d", im.Digest, im.DriftedPods, wantDrifted)
		}
	}
}

// labRegion seeds the lab's estate (lab.SeedAWS) in us-east-1 of a new
// moto and reads it once.
func labRegion(t *testing.T) (*lab.AWSRegionEstate, *providers.Inventory, Stats) {
	t.Helper()
	m := lab.Moto(t)
	ctx := testCtx(t, 3*time.Minute)
	est, err := lab.SeedAWS(ctx, []sdkaws.Config{m.Config(ctx, "us-east-1")}, lab.AWSSeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	inv, st, err := newTestProvider(t, m, []string{"us-east-1"}, nil).Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return est.Regions[0], inv, st
}
