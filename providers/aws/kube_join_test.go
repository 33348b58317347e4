package aws

import (
	"context"
	"fmt"
	"testing"
	"time"

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
