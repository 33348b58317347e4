package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
)

// maxAlarmPage is the largest page of cloudwatch:DescribeAlarms.
const maxAlarmPage = 100

// readAlarms reads the metric alarms of the region (one paginated
// listing); composite alarms watch other alarms, not objects, and are not
// read.
func (p *Provider) readAlarms(ctx context.Context, c *clients) ([]cwtypes.MetricAlarm, error) {
	pg := cloudwatch.NewDescribeAlarmsPaginator(c.cw, &cloudwatch.DescribeAlarmsInput{
		MaxRecords: p.pageSize(maxAlarmPage, 1), AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm}})
	out, err := allPages(ctx, pg.HasMorePages, pg.NextPage, func(o *cloudwatch.DescribeAlarmsOutput) []cwtypes.MetricAlarm { return o.MetricAlarms })
	if err != nil {
		return nil, fmt.Errorf("DescribeAlarms: %w", err)
	}
	return out, nil
}

// assembleAlarms builds the region's alarms and links each to the object
// it watches, by its dimensions (see WatchedObject).
func assembleAlarms(v *regionView, raw []cwtypes.MetricAlarm) {
	clusterOf := map[string]string{} // DB instance → its database
	for _, d := range v.dbs {
		for _, m := range d.Members {
			clusterOf[m.Name] = d.Name
		}
	}
	for _, a := range raw {
		al := providers.Alarm{
			Name: sanitize.Line(sdkaws.ToString(a.AlarmName)), Region: v.region, State: string(a.StateValue),
			Reason: sanitize.Line(sdkaws.ToString(a.StateReason)), Namespace: sdkaws.ToString(a.Namespace),
			Metric: sdkaws.ToString(a.MetricName), Dimensions: []providers.Dimension{},
		}
		if a.StateUpdatedTimestamp != nil {
			al.Since = *a.StateUpdatedTimestamp
		}
		for _, d := range a.Dimensions {
			al.Dimensions = append(al.Dimensions, providers.Dimension{Name: sanitize.Line(sdkaws.ToString(d.Name)), Value: sanitize.Line(sdkaws.ToString(d.Value))})
		}
		al.ObjectKind, al.Object = WatchedObject(al.Dimensions, clusterOf)
		v.alarms = append(v.alarms, al)
	}
}

// WatchedObject names the object a metric's dimensions point at:
// LoadBalancer (app/NAME/ID or net/NAME/ID) → the load balancer NAME;
// AutoScalingGroupName → the ASG; DBClusterIdentifier → the database;
// DBInstanceIdentifier → the database the instance is a member of
// (clusterOf), else the stand-alone instance's own database; InstanceId →
// the instance. The first dimension in that order wins (an alarm on a
// target group of a load balancer names the load balancer).
func WatchedObject(dims []providers.Dimension, clusterOf map[string]string) (kind, name string) {
	val := func(n string) string {
		for _, d := range dims {
			if d.Name == n {
				return d.Value
			}
		}
		return ""
	}
	if lb := val("LoadBalancer"); lb != "" {
		parts := strings.Split(lb, "/")
		if len(parts) == 3 {
			return providers.ObjectLoadBalancer, parts[1]
		}
		return providers.ObjectLoadBalancer, lb // a classic ELB's name
	}
	if g := val("AutoScalingGroupName"); g != "" {
		return providers.ObjectASG, g
	}
	if c := val("DBClusterIdentifier"); c != "" {
		return providers.ObjectDatabase, c
	}
	if id := val("DBInstanceIdentifier"); id != "" {
		if c := clusterOf[id]; c != "" {
			return providers.ObjectDatabase, c
		}
		return providers.ObjectDatabase, id
	}
	if id := val("InstanceId"); id != "" {
		return providers.ObjectInstance, id
	}
	return "", ""
}

func sortAlarms(as []providers.Alarm) {
	sort.Slice(as, func(i, j int) bool {
		a, b := as[i], as[j]
		return a.Region+"/"+a.Name < b.Region+"/"+b.Name
	})
}
