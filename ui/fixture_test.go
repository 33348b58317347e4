package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/traces"
)

// fixtureSnapshot is a small fixed estate built here (not by the sim, which
// evolves), so that the golden files change only when the UI does: two
// regions, two zones each with a public and a private subnet, one ASG per
// region, two nodes per zone, pods (one crash-looping, one NotReady node),
// load balancers, databases with roles, traces, events, and a stale source.
func fixtureSnapshot() *providers.Snapshot {
	at := func(d time.Duration) time.Time { return frozen.Add(-d) }
	inv := &providers.Inventory{}
	for r, region := range []string{"us-east-1", "eu-west-1"} {
		inv.Regions = append(inv.Regions, providers.Region{Name: region, Source: "fixture"})
		asg := providers.AutoscalingGroup{Name: fmt.Sprintf("workers-%d", r+1), Region: region, Desired: 4, Min: 2, Max: 8,
			InService: 4, LaunchTemplate: "workers-lt"}
		if r == 1 { // the dev schedule: weekdays from 07:00, down on Friday evenings
			four, two, zero := 4, 2, 0
			asg.ScheduledActions = []providers.ScheduledAction{
				{Name: "weekday-up", Recurrence: "0 7 * * MON-FRI", TimeZone: "Europe/Berlin", Desired: &four, Min: &two},
				{Name: "weekend-down", Recurrence: "0 20 * * FRI", TimeZone: "Europe/Berlin", Desired: &zero, Min: &zero}}
		}
		for z, letter := range []string{"a", "b"} {
			zone := region + letter
			inv.Zones = append(inv.Zones, providers.Zone{Name: zone, Region: region})
			asg.Zones = append(asg.Zones, zone)
			pub := providers.Subnet{ID: fmt.Sprintf("subnet-%d%d0", r, z), Name: "public-" + letter, Zone: zone, Region: region,
				CIDR: fmt.Sprintf("10.%d.%d.0/24", r, z), Public: true}
			priv := providers.Subnet{ID: fmt.Sprintf("subnet-%d%d1", r, z), Name: "private-" + letter, Zone: zone, Region: region,
				CIDR: fmt.Sprintf("10.%d.%d.0/20", r, 16*(z+1))}
			inv.Subnets = append(inv.Subnets, pub, priv)
			if r == 0 && z == 0 {
				inv.Instances = append(inv.Instances, providers.Instance{ID: "i-bastion", Region: region, Zone: zone, State: "running",
					Type: "t3.micro", Subnet: pub.ID, PrivateIP: "10.0.0.10", PublicIP: "203.0.113.10", Bastion: true})
			}
			for n := 0; n < 2; n++ {
				id := fmt.Sprintf("i-%d%d%d", r, z, n)
				name := fmt.Sprintf("node-%s-%d", zone, n)
				inv.Instances = append(inv.Instances, providers.Instance{ID: id, Region: region, Zone: zone, State: "running",
					Type: "m6i.large", ASG: asg.Name, Subnet: priv.ID, PrivateIP: fmt.Sprintf("10.%d.%d.%d", r, 16*(z+1), n+5)})
				asg.Instances = append(asg.Instances, id)
				ready := !(r == 1 && z == 1 && n == 1)
				inv.Nodes = append(inv.Nodes, providers.Node{Name: name, Cluster: "prod-" + region, Zone: zone, Region: region,
					InstanceID: id, InstanceType: "m6i.large", Ready: ready, Created: at(30 * 24 * time.Hour),
					Labels: map[string]string{"topology.kubernetes.io/zone": zone}})
				for p, app := range []string{"web", "cart", "checkout"} {
					pod := providers.Pod{Namespace: "shop", Name: fmt.Sprintf("%s-%d%d%d", app, r, z, n), Cluster: "prod-" + region,
						Phase: "Running", Ready: true, Node: name, Owner: "Deployment/" + app, IP: fmt.Sprintf("100.64.%d.%d", r*4+z*2+n, p+1),
						Created: at(time.Duration(p+1) * time.Hour)}
					if r == 0 && z == 1 && n == 0 && app == "checkout" {
						pod.Ready, pod.Reason, pod.Restarts = false, "CrashLoopBackOff", 12
					}
					inv.Pods = append(inv.Pods, pod)
				}
			}
		}
		for _, app := range []string{"web", "cart", "checkout"} {
			w := providers.Workload{Kind: "Deployment", Namespace: "shop", Name: app, Cluster: "prod-" + region, Desired: 4, Ready: 4,
				UpToDate: 4, Available: 4, Images: []string{"registry.example/shop/" + app + ":1.4." + fmt.Sprint(r)}, Created: at(40 * 24 * time.Hour)}
			if r == 0 && app == "checkout" {
				w.Ready, w.Available = 3, 3
			}
			inv.Workloads = append(inv.Workloads, w)
		}
		inv.Workloads = append(inv.Workloads,
			providers.Workload{Kind: "StatefulSet", Namespace: "data", Name: "sessions", Cluster: "prod-" + region, Desired: 2, Ready: 2 - r,
				UpToDate: 2, Available: 2 - r, Images: []string{"redis:7.2"}, Created: at(60 * 24 * time.Hour)},
			providers.Workload{Kind: "DaemonSet", Namespace: "kube-system", Name: "node-exporter", Cluster: "prod-" + region, Desired: 4, Ready: 4,
				UpToDate: 4, Available: 4, Images: []string{"prom/node-exporter:v1.8.2"}, Created: at(90 * 24 * time.Hour)})
		inv.AutoscalingGroups = append(inv.AutoscalingGroups, asg)
		inv.LoadBalancers = append(inv.LoadBalancers, providers.LoadBalancer{Name: "edge-" + region, Region: region, Type: "application",
			Scheme: "internet-facing", DNSName: "edge-" + region + ".elb.example", SSLTermination: true,
			Listeners: []providers.Listener{{Protocol: "HTTPS", Port: 443}}, TargetsHealthy: 4 - r, TargetsTotal: 4,
			TargetGroups: []providers.TargetGroup{{Name: "web", Port: 8080, Targets: []providers.Target{
				{ID: "i-" + fmt.Sprint(r) + "00", Port: 8080, Health: "healthy"}, {ID: "i-" + fmt.Sprint(r) + "11", Port: 8080, Health: []string{"healthy", "unhealthy"}[r]}}}}})
	}
	inv.LoadBalancers = append(inv.LoadBalancers, providers.LoadBalancer{Name: "internal-api", Region: "us-east-1", Type: "network",
		Scheme: "internal", TargetsHealthy: 0, TargetsTotal: 2})
	inv.Databases = []providers.Database{
		{Name: "orders-pg", Engine: "aurora-postgresql", Region: "us-east-1", Status: "available", LastBackup: at(3 * time.Hour),
			Members: []providers.Member{
				{Name: "orders-pg-1", Role: providers.RolePrimary, Healthy: true, Zone: "us-east-1a", Status: "available"},
				{Name: "orders-pg-2", Role: providers.RoleReplica, Healthy: true, LagSeconds: 0.4, Zone: "us-east-1b", Status: "available"},
				{Name: "orders-pg-3", Role: providers.RoleReplica, Healthy: false, LagSeconds: 95, Zone: "us-east-1b", Status: "lagging"}},
			Backups: []providers.Backup{{ID: "snap-1", Time: at(3 * time.Hour), Status: "available", SizeMiB: 2048}}},
		{Name: "sessions", Engine: "redis", Region: "eu-west-1", Status: "ok", LastBackup: at(26 * time.Hour),
			Members: []providers.Member{
				{Name: "sessions-0", Role: providers.RolePrimary, Healthy: true, Zone: "eu-west-1a",
					Volumes: []providers.Volume{{Mount: "/data", Path: "pvc data/data-sessions-0", Class: "gp3", SizeGiB: 20, UsedGiB: 9, UsageKnown: true}}},
				{Name: "sessions-1", Role: providers.RoleReplica, Healthy: true, LagSeconds: 0.1, Zone: "eu-west-1b"},
				{Name: "sentinel-0", Role: "sentinel", Healthy: true, Zone: "eu-west-1a"}}},
	}
	inv.Traces = []traces.TraceSummary{
		{TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", Service: "frontend", Operation: "GET /checkout", Start: at(2 * time.Minute),
			Duration: 812 * time.Millisecond, Spans: 42, Errors: 3, RootFailed: true, Services: []string{"frontend", "checkout", "payments"}},
		{TraceID: "00f067aa0ba902b7a3ce929d0e0e4736", Service: "frontend", Operation: "GET /cart", Start: at(5 * time.Minute),
			Duration: 95 * time.Millisecond, Spans: 12, Services: []string{"frontend", "cart"}},
	}
	inv.Events = []providers.Event{
		{Time: at(40 * time.Second), Type: "Warning", Reason: "BackOff", Object: "Pod/shop/checkout-0100", Message: "Back-off restarting failed container", Cluster: "prod-us-east-1", Namespace: "shop"},
		{Time: at(3 * time.Minute), Type: "Warning", Reason: "NodeNotReady", Object: "Node//node-eu-west-1b-1", Message: "Node is not ready"},
	}
	inv.Alarms = []providers.Alarm{
		{Name: "api-5xx", Region: "us-east-1", State: providers.AlarmOK, Namespace: "AWS/NetworkELB", Metric: "HTTPCode_Target_5XX_Count",
			Dimensions: []providers.Dimension{{Name: "LoadBalancer", Value: "net/internal-api/50dc6c495c0c9188"}}, Since: at(2 * time.Hour),
			ObjectKind: providers.ObjectLoadBalancer, Object: "internal-api"},
		{Name: "workers-cpu", Region: "eu-west-1", State: providers.AlarmInsufficientData, Namespace: "AWS/EC2", Metric: "CPUUtilization",
			Dimensions: []providers.Dimension{{Name: "AutoScalingGroupName", Value: "workers-2"}}, Since: at(10 * time.Minute),
			ObjectKind: providers.ObjectASG, Object: "workers-2"},
	}
	inv.Distributions = []providers.Distribution{{ID: "E2QWRUHAPOMQZL", DomainName: "d111111abcdef8.cloudfront.net", Status: "Deployed", Enabled: true,
		Aliases: []string{"shop.example.com"}, Certificate: "arn:aws:acm:us-east-1:123456789012:certificate/shop",
		Origins: []providers.Origin{{ID: "edge", DomainName: "edge-us-east-1.elb.amazonaws.com", LoadBalancer: "edge-us-east-1", Region: "us-east-1"}}}}
	inv.Services, inv.VolumeClaims = fixtureKubeObjects(inv, at)
	// ECR: shop/web's tag 1.4 was re-pushed after web-000 started (drift);
	// shop/cart never scanned; an empty repository; cart runs a public image.
	const reg = "123456789012.dkr.ecr.us-east-1.amazonaws.com/"
	inv.ImageRepositories = []providers.ImageRepository{
		{Name: "shop/web", Region: "us-east-1", URI: reg + "shop/web", RegistryID: "123456789012", Created: at(90 * 24 * time.Hour),
			TagMutability: "MUTABLE", ScanOnPush: true, Images: []providers.Image{
				{Digest: "sha256:7d2f0c1e9a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5", Tags: []string{"1.4", "latest"}, PushedAt: at(30 * time.Minute),
					SizeBytes: 88 << 20, ScanStatus: "COMPLETE", Findings: []providers.FindingSeverity{}},
				{Digest: "sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809", Tags: []string{}, PushedAt: at(26 * time.Hour),
					SizeBytes: 87 << 20, ScanStatus: "COMPLETE", Findings: []providers.FindingSeverity{{Severity: "HIGH", Count: 2}, {Severity: "MEDIUM", Count: 5}}},
				{Digest: "sha256:9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0", Tags: []string{"1.3"}, PushedAt: at(9 * 24 * time.Hour),
					SizeBytes: 1536 << 20, ScanStatus: "COMPLETE", Findings: []providers.FindingSeverity{{Severity: "CRITICAL", Count: 1}}},
			}},
		{Name: "shop/checkout", Region: "us-east-1", URI: reg + "shop/checkout", TagMutability: "IMMUTABLE", Images: []providers.Image{
			{Digest: "sha256:aaaa0000bbbb1111cccc2222dddd3333eeee4444ffff5555aaaa0000bbbb1111", Tags: []string{"2.0.1"}, PushedAt: at(3 * 24 * time.Hour),
				SizeBytes: 64 << 20, Findings: []providers.FindingSeverity{}}}},
		{Name: "tools/debug", Region: "eu-west-1", URI: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tools/debug", TagMutability: "MUTABLE"},
	}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		var c providers.ContainerImage
		switch {
		case strings.HasPrefix(p.Name, "web-"):
			run := inv.ImageRepositories[0].Images[0].Digest
			if p.Name == "web-000" {
				run = inv.ImageRepositories[0].Images[1].Digest // started before the re-push
			}
			c = providers.ContainerImage{Container: "web", Image: reg + "shop/web:1.4", ImageID: reg + "shop/web@" + run, Digest: run}
		case strings.HasPrefix(p.Name, "checkout-"):
			d := inv.ImageRepositories[1].Images[0].Digest
			c = providers.ContainerImage{Container: "checkout", Image: reg + "shop/checkout@" + d, ImageID: reg + "shop/checkout@" + d, Digest: d}
		default:
			c = providers.ContainerImage{Container: "cart", Image: "redis:7.2", ImageID: "docker.io/library/redis@sha256:ab12", Digest: "sha256:ab12"}
		}
		p.Images = []providers.ContainerImage{c}
	}
	providers.Join(inv)
	inv.Sources = []providers.SourceStatus{
		{Name: "kube:prod", Kind: "kube", Status: providers.StatusOK, UpdatedAt: at(2 * time.Second)},
		{Name: "aws", Kind: "aws", Status: providers.StatusStale, Error: "throttled", UpdatedAt: at(45 * time.Second)},
	}
	return &providers.Snapshot{Version: 1, At: frozen, Inv: inv}
}

// fixtureAudit is the goldens' audit log: two attempts of the last 24
// hours (and one older, which the views leave out).
func fixtureAudit(_ context.Context, since time.Time) ([]actions.AuditEntry, error) {
	all := []actions.AuditEntry{
		{Time: frozen.Add(-30 * time.Hour), Who: "carol", Action: "restart", Target: "pod/shop/old", Result: actions.StatusSucceeded, AuditID: "a0"},
		{Time: frozen.Add(-3 * time.Hour), Who: "alice (key SHA256:abc)", Action: "drain", Target: "node/ip-10-0-1-5", Result: actions.StatusSucceeded, AuditID: "a1"},
		{Time: frozen.Add(-40 * time.Minute), Who: "bob", Action: "failover", Target: "database/orders", Result: actions.StatusCancelled, AuditID: "a2"},
	}
	return slices.DeleteFunc(all, func(e actions.AuditEntry) bool { return e.Time.Before(since) }), nil
}

// fixtureKubeObjects are a Service per app and cluster (its endpoints the
// app's pods), a headless one without endpoints, an ExternalName one, and
// claims: bound with usage, bound over 80 % used, bound of unknown usage,
// pending and lost.
func fixtureKubeObjects(inv *providers.Inventory, at func(time.Duration) time.Time) ([]providers.Service, []providers.VolumeClaim) {
	var svcs []providers.Service
	for r, region := range []string{"us-east-1", "eu-west-1"} {
		for a, app := range []string{"web", "cart", "checkout"} {
			s := providers.Service{Namespace: "shop", Name: app, Cluster: "prod-" + region, Type: "ClusterIP",
				ClusterIP: fmt.Sprintf("172.20.%d.%d", r, a+10), External: []string{}, EndpointsKnown: true, Created: at(40 * 24 * time.Hour),
				Ports: []providers.ServicePort{{Name: "http", Protocol: "TCP", Port: 80, TargetPort: "8080"}}}
			if app == "web" {
				s.Type, s.External = "LoadBalancer", []string{"edge-" + region + ".elb.example"}
				s.Ports[0].NodePort = 30080 + r
			}
			for _, p := range inv.Pods {
				if p.Cluster == s.Cluster && strings.HasPrefix(p.Name, app+"-") {
					s.Endpoints = append(s.Endpoints, providers.Endpoint{Address: p.IP, Ready: p.Ready, Pod: p.Name, Node: p.Node})
					s.EndpointsTotal++
					if p.Ready {
						s.EndpointsReady++
					}
				}
			}
			svcs = append(svcs, s)
		}
	}
	svcs = append(svcs,
		providers.Service{Namespace: "data", Name: "queue", Cluster: "prod-us-east-1", Type: "ClusterIP", ClusterIP: "None",
			External: []string{}, EndpointsKnown: true, Created: at(3 * time.Hour), Endpoints: []providers.Endpoint{},
			Ports: []providers.ServicePort{{Name: "amqp", Protocol: "TCP", Port: 5672, TargetPort: "5672"}}},
		providers.Service{Namespace: "shop", Name: "payments-psp", Cluster: "prod-us-east-1", Type: "ExternalName",
			External: []string{"api.psp.example"}, EndpointsKnown: true, Created: at(90 * 24 * time.Hour), Endpoints: []providers.Endpoint{},
			Ports: []providers.ServicePort{}})
	claim := func(ns, name, phase, class string, capGiB, used float64, known bool, pods ...string) providers.VolumeClaim {
		c := providers.VolumeClaim{Namespace: ns, Name: name, Cluster: "prod-us-east-1", Phase: phase, StorageClass: class,
			CapacityGiB: capGiB, RequestGiB: capGiB, AccessModes: []string{"ReadWriteOnce"}, VolumeMode: "Filesystem",
			Pods: append([]string{}, pods...), UsedGiB: used, UsageKnown: known, Created: at(20 * 24 * time.Hour)}
		if phase == "Bound" {
			c.Volume, c.ReclaimPolicy, c.Driver = "pvc-"+name, "Delete", "ebs.csi.aws.com"
			c.MountPath = "/var/lib/data"
		}
		return c
	}
	claims := []providers.VolumeClaim{
		claim("shop", "data-cart-000", "Bound", "gp3", 50, 12.5, true, "cart-000"),
		claim("shop", "data-checkout-010", "Bound", "gp3", 20, 17.2, true, "checkout-010"),
		claim("shop", "logs-web-000", "Bound", "standard", 10, 0, false, "web-000"),
		claim("data", "data-queue-0", "Pending", "io2", 100, 0, false),
		claim("data", "old-queue-1", "Lost", "gp2", 8, 0, false),
	}
	return svcs, claims
}
