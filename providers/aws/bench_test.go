package aws

import (
	"context"
	"testing"
	"time"

	"github.com/opsconsole/console/e2e/lab"
)

// BenchmarkFullInventory reads 2 regions with 500 instances in 20 ASGs,
// 35 load balancers, 200 security groups (plus each VPC's default), 40
// alarms, 50 ECR repositories of 3 images and 10 CloudFront distributions
// from moto (seeded once), regions and CloudFront in parallel. It
// reports the API calls of one refresh (calls/op) and fails if a page was
// asked twice.
//
//	go test ./providers/aws/ -run '^$' -bench FullInventory -benchtime 10x
func BenchmarkFullInventory(b *testing.B) {
	m := lab.Moto(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	seeds := seedAll(ctx, b, m,
		seedSpec{Region: "us-east-1", ASGs: 10, PerASG: 25, LBs: 18, Aurora: true, Bastion: true, SGs: 100, Distributions: 10, Alarms: 20, Repositories: 25},
		seedSpec{Region: "eu-west-1", ASGs: 10, PerASG: 25, LBs: 17, SGs: 100, Alarms: 20, Repositories: 25},
	)
	want := 0
	for _, s := range seeds {
		want += s.InstanceCount
	}
	p := newTestProvider(b, m, []string{"us-east-1", "eu-west-1"}, nil)
	b.ResetTimer()
	var calls, attempts int
	var last Stats
	for b.Loop() {
		inv, st, err := p.Fetch(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Instances) != want || len(inv.AutoscalingGroups) != 20 || len(inv.LoadBalancers) != 35 ||
			len(inv.SecurityGroups) < 200 || len(inv.Distributions) != 10 || len(inv.Alarms) != 40 || len(inv.ImageRepositories) != 50 {
			b.Fatalf("instances %d (want %d), ASGs %d, LBs %d, SGs %d, distributions %d, alarms %d, repositories %d", len(inv.Instances), want,
				len(inv.AutoscalingGroups), len(inv.LoadBalancers), len(inv.SecurityGroups), len(inv.Distributions), len(inv.Alarms), len(inv.ImageRepositories))
		}
		if st.Repeated != 0 {
			b.Fatalf("%d repeated calls in one refresh", st.Repeated)
		}
		calls, attempts, last = st.Calls, st.Attempts, st
	}
	for _, op := range last.Operations() {
		b.Logf("%-50s %3d calls %8.0f ms", op, last.ByOperation[op], float64(last.Time[op].Microseconds())/1000)
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(attempts), "attempts/op")
}
