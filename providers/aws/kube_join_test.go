package aws

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube"
)

// TestJoinWithRealKube runs the AWS provider (moto) and the Kubernetes
// provider (a real kube-apiserver) in one Store: nodes whose providerID
// names an instance sit under that instance's ASG, and the ASG counts its
// Ready nodes.
func TestJoinWithRealKube(t *testing.T) {
	m := lab.Moto(t)
	k := lab.Kube(t)
	ctx := testCtx(t, 3*time.Minute)
	s := seedAll(ctx, t, m, seedSpec{Region: "us-east-1", ASGs: 1, PerASG: 3})["us-east-1"]
	awsP := newTestProvider(t, m, []string{"us-east-1"}, nil)
	inv, _, err := awsP.Fetch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := k.Client()
	for i, id := range s.WebInstances {
		in := findInstance(inv, id)
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ip-10-20-%d", i)},
			Spec: corev1.NodeSpec{ProviderID: fmt.Sprintf("aws:///%s/%s", in.Zone, id)}}
		created, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		status := corev1.ConditionTrue
		if i == 0 {
			status = corev1.ConditionFalse
		}
		created.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
		if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kp, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	st := providers.NewStore(awsP, kp)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := st.Subscribe()
	st.Start(sctx)
	// Wait (with the test's deadline) until both sources answered and the
	// nodes are joined.
	for {
		snap := st.Snapshot()
		if g := findASG(snap.Inv, "us-east-1", "web"); g != nil && g.ReadyNodes == len(s.WebInstances)-1 && joined(snap.Inv) == len(s.WebInstances) {
			for _, n := range snap.Inv.Nodes {
				if n.ASG != "web" || n.Subnet == "" || n.Zone == "" {
					t.Errorf("node %+v", n)
				}
			}
			return
		}
		select {
		case <-sub:
		case <-ctx.Done():
			t.Fatalf("nodes not joined: %+v / asgs %+v / sources %+v", snap.Inv.Nodes, snap.Inv.AutoscalingGroups, snap.Inv.Sources)
		}
	}
}

func joined(inv *providers.Inventory) int {
	n := 0
	for _, in := range inv.Instances {
		if in.Node != "" {
			n++
		}
	}
	return n
}

// TestImageDriftWithRealKube: the lab's ECR repositories (moto, a tag
// re-pushed) and pods in a real kube-apiserver whose status carries the
// kubelet's imageID (set through the status subresource, as a kubelet
// does): the pod running the first push of the re-pushed tag drifts; the
// pod on the current tag, the digest-pinned pod, the pod whose imageID
// is a lab-kubelet id without a digest and the pod of a public image stay
// silent.
func TestImageDriftWithRealKube(t *testing.T) {
	m := lab.Moto(t)
	k := lab.Kube(t)
	ctx := testCtx(t, 3*time.Minute)
	est, err := lab.SeedAWS(ctx, []sdkaws.Config{m.Config(ctx, "us-east-1")}, lab.AWSSeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := est.Regions[0]
	web := r.RepositoryURI["lab-web"]
	pods := []struct {
		name, image, imageID, status string
	}{
		{"drifted", r.ImageDrift, "docker-pullable://" + web + "@" + r.ImageDriftOld, providers.ImageDrift},
		{"current", r.ImageCurrent, r.RepositoryURI["lab-api"] + "@" + r.ImageCurrentDigest, providers.ImageCurrent},
		{"pinned", web + "@" + r.ImageDriftOld, web + "@" + r.ImageDriftOld, providers.ImagePinned},
		{"lab-kubelet", r.ImageDrift, "lab://" + r.ImageDrift, providers.ImageDigestUnknown},
		{"public", "redis:7.2", "docker.io/library/redis@sha256:0123", providers.ImageNotTracked},
	}
	cs := k.Client()
	for _, p := range pods {
		created, err := cs.CoreV1().Pods("default").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: p.name},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: p.image}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		created.Status.Phase = corev1.PodRunning
		created.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: p.image, ImageID: p.imageID, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}
		if _, err := cs.CoreV1().Pods("default").UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	kp, err := kube.New(kube.Options{Kubeconfig: k.Kubeconfig, Context: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	st := providers.NewStore(newTestProvider(t, m, []string{"us-east-1"}, nil), kp)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub := st.Subscribe()
	st.Start(sctx)
	for {
		snap := st.Snapshot()
		got := map[string]providers.ContainerImage{}
		for _, p := range snap.Inv.Pods {
			if len(p.Images) == 1 && p.Images[0].ImageID != "" {
				got[p.Name] = p.Images[0]
			}
		}
		if len(got) == len(pods) && len(snap.Inv.ImageRepositories) == 2 {
			for _, p := range pods {
				c := got[p.name]
				if c.Status != p.status || c.Drift != (p.status == providers.ImageDrift) || c.Image != p.image || c.ImageID != p.imageID {
					t.Errorf("pod %s: %+v, want %s", p.name, c, p.status)
				}
			}
			if c := got["drifted"]; c.RegistryDigest != r.ImageDriftNew || c.Digest != r.ImageDriftOld || c.PushedAt.IsZero() {
				t.Errorf("drifted pod: %+v", c)
			}
			drifted := 0
			for _, im := range snap.Inv.ImageRepositories[1].Images {
				drifted += im.DriftedPods
			}
			if snap.Inv.ImageRepositories[1].Name != "lab-web" || drifted != 1 {
				t.Errorf("lab-web images %+v: want one drifted pod", snap.Inv.ImageRepositories[1].Images)
			}
			return
		}
		select {
		case <-sub:
		case <-ctx.Done():
			t.Fatalf("pods' images not joined: pods %+v, repositories %d", snap.Inv.Pods, len(snap.Inv.ImageRepositories))
		}
	}
}
