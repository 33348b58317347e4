package pages

import "github.com/opsconsole/console/ui/common"

// View is one entry of the registry: a page's palette command, its other
// names, its help line and its constructor.
type View struct {
	// Name is the palette command and the page's Name.
	Name string
	// Aliases are other palette words for it (e.g. :services for :deps).
	Aliases []string
	// Help is the palette's help line.
	Help string
	// New builds the page.
	New func(ctx *common.Context, b *Backends) Page
}

// Views is the registry of the console's views, in tab order: the tab bar,
// tab/shift+tab, the palette's commands and the help come from it.
func Views() []View {
	return []View{
		{"topology", []string{"top", "tree"}, "the estate as a tree", NewTopology},
		{"pods", []string{"pod", "po"}, "pods", NewPods},
		{"nodes", []string{"node", "no"}, "Kubernetes nodes", NewNodes},
		{"events", []string{"event", "ev"}, "Kubernetes events of every type by object, warnings first", NewEvents},
		{"svc", []string{"service"}, "Kubernetes Services: type, cluster IP, ports, endpoints ready/total, the pods behind (enter opens one)", NewServices},
		{"pvc", []string{"pvcs", "persistentvolumeclaims"}, "PersistentVolumeClaims: status, class, capacity, usage, volume, the pod using it (enter opens it)", NewClaims},
		{"deploy", []string{"deployments", "deployment", "dp"}, "Deployments: ready/desired, up-to-date, available, restarts, images (enter: its pods; l logs, a restart/scale/undo)", NewDeployments},
		{"sts", []string{"statefulsets", "statefulset"}, "StatefulSets: ready/desired, up-to-date, available, restarts, images (enter: its pods)", NewStatefulSets},
		{"ds", []string{"daemonsets", "daemonset"}, "DaemonSets: ready/desired, up-to-date, available, restarts, images (enter: its pods)", NewDaemonSets},
		{"ing", []string{"ingress", "ingresses"}, "Ingresses: class, hosts, address, ports, paths → backend service:port (enter opens the Service)", NewIngresses},
		{"jobs", []string{"job", "cj", "cronjobs", "cronjob"}, "CronJobs (schedule, last, active, suspended) and Jobs (completions, duration; enter: its pods)", NewJobs},
		{"cm", []string{"configmaps", "configmap"}, "ConfigMaps: keys, size, the pods using each (enter: those pods; d keys, sizes and values)", NewConfigMaps},
		{"kinds", []string{"api-resources"}, "any Kubernetes kind, CRDs too: :KIND (:secrets :ct…) with the server's columns", NewKinds},
		{"asg", []string{"asgs", "autoscaling"}, "autoscaling groups", NewASGs},
		{"lb", []string{"lbs", "loadbalancers"}, "load balancers and target health", NewLBs},
		{"db", []string{"dbs", "databases"}, "database clusters and members", NewDatabases},
		{"edge", []string{"cloudfront", "cdn"}, "CloudFront distributions: origins, aliases, certificate expiry; the chain down to the pods", NewEdge},
		{"alarms", []string{"alarm", "cloudwatch"}, "CloudWatch alarms: state and the object each watches (enter opens it)", NewAlarms},
		{"images", []string{"ecr", "image"}, "ECR repositories and images: tags, digest, pushed, size, scan findings, pods; drift (pods on an older push of a re-pushed tag)", NewImages},
		{"traces", nil, "recent traces", NewTraces},
		{"deps", []string{"services", "graph"}, "service dependency graph: calls, errors, error rate", NewDeps},
		{"stacks", []string{"stack", "tf", "terraform"}, "Terraform stacks: resources, last apply, drift, lock", NewStacks},
		{"problems", []string{"problem", "wrong"}, "everything wrong now, worst first", NewProblems},
		{"summary", []string{"standup", "overview"}, "one screen for the stand-up: regions, ASGs, databases, problems, actions run", NewSummary},
		{"forwards", []string{"pf", "portforwards", "port-forwards"}, "port-forwards running now: pod, port, local address (x stops one)", NewForwards},
		{"actions", []string{"runs"}, "running and past actions", NewActions},
	}
}
