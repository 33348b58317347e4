package providers

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// KubeObject names one Kubernetes object for a read made on demand.
type KubeObject struct {
	// Cluster is the kube context (the source's Cluster field).
	Cluster string
	// Resource is a kind, plural, singular or short name as kubectl takes
	// it ("pod", "deployments", "deploy", "crontabs.stable.example.com").
	Resource  string
	Namespace string // "" for a cluster-scoped object
	Name      string
}

// KubeResource is one kind the API server serves (from discovery).
type KubeResource struct {
	Group, Version, Kind string
	// Plural is the resource name ("deployments"); Singular its singular.
	Plural, Singular string
	ShortNames       []string
	Namespaced       bool
	Verbs            []string
}

// Name is plural[.group], the unambiguous name kubectl takes.
func (r KubeResource) Name() string {
	if r.Group == "" {
		return r.Plural
	}
	return r.Plural + "." + r.Group
}

// KubeColumn is one column of a server-side table.
type KubeColumn struct {
	Name string
	// Priority 0 is shown by `kubectl get`; higher only with -o wide.
	Priority int
}

// KubeRow is one object of a server-side table.
type KubeRow struct {
	Namespace, Name string
	// Cells are the printed cells, one per column.
	Cells []string
}

// KubeTable is a kind's objects as the API server prints them
// (server-side printing, as `kubectl get` shows them).
type KubeTable struct {
	Resource KubeResource
	Columns  []KubeColumn
	Rows     []KubeRow
	// Truncated is set when the list was cut at the reader's bound.
	Truncated bool
}

// KubeEvent is one event of any type, as read on demand.
type KubeEvent struct {
	Namespace string
	// Kind and Name are the involved object's.
	Kind, Name   string
	Type, Reason string
	Message      string
	Source       string
	Count        int
	First, Last  time.Time
}

// KubeReader is implemented by the Kubernetes source: reads made on
// demand, outside its informers' small records (a GET per object, a LIST
// per view opened or refreshed).
type KubeReader interface {
	// Context is the kube context read.
	Context() string
	// Describe returns what `kubectl describe` prints for the object.
	Describe(ctx context.Context, o KubeObject) (string, error)
	// YAML returns the object as YAML without its managedFields; a
	// Secret's values are never returned.
	YAML(ctx context.Context, o KubeObject) (string, error)
	// Events lists the events of every type in namespace ("" all).
	Events(ctx context.Context, namespace string) ([]KubeEvent, error)
	// Resources lists the kinds the API server serves that can be listed.
	Resources(ctx context.Context) ([]KubeResource, error)
	// Table lists a kind's objects in namespace ("" all) as the server
	// prints them.
	Table(ctx context.Context, resource, namespace string) (*KubeTable, error)
}

// KubeReaderSet is implemented by a source that serves several contexts
// (the demo's clusters): a reader per context.
type KubeReaderSet interface {
	KubeReaders() []KubeReader
}

// Ingress is an Ingress as the Ingresses view shows it (read on demand).
type Ingress struct {
	Namespace, Name string
	// Class is spec.ingressClassName, else the legacy
	// kubernetes.io/ingress.class annotation ("" none).
	Class string
	// Address are the load balancer's IPs or host names (status).
	Address []string
	// TLS says it has TLS entries (kubectl then prints its ports "80, 443").
	TLS bool
	// Paths are its rules' paths in order, the default backend first.
	Paths   []IngressPath
	Created time.Time
}

// IngressPath is one path of an Ingress's rules and the backend it routes
// to.
type IngressPath struct {
	// Default marks the default backend (spec.defaultBackend).
	Default bool
	// Host is the rule's host ("" any), Path the path ("" any).
	Host, Path string
	// Service and Port are the backend Service and its port (a number or
	// a port name); Resource names a resource backend (Kind/name) instead.
	Service, Port, Resource string
}

// Backend is the path's backend as kubectl prints it: "svc:port", or
// the resource's Kind/name.
func (p IngressPath) Backend() string {
	if p.Service == "" {
		return p.Resource
	}
	return p.Service + ":" + p.Port
}

// Hosts are the distinct hosts of its rules, in order ("*" for a rule
// without host).
func (i *Ingress) Hosts() []string {
	var out []string
	for _, p := range i.Paths {
		if p.Default {
			continue
		}
		h := cmp.Or(p.Host, "*")
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// IngressReader is implemented by the Kubernetes readers that list
// Ingresses (networking.k8s.io/v1).
type IngressReader interface {
	// Ingresses lists the Ingresses of namespace ("" all).
	Ingresses(ctx context.Context, namespace string) ([]Ingress, error)
}

// Job is a Job or a CronJob as the Jobs view shows it (read on demand).
type Job struct {
	Namespace, Name string
	// CronJob marks a CronJob: Schedule, Suspend, LastSchedule and Active
	// are its; a Job's Owner is its CronJob's name ("" none).
	CronJob bool
	Owner   string
	// Completions is spec.completions (0: unset, one pod); Succeeded,
	// Failed and Active count pods (a CronJob's Active its running jobs).
	Completions, Succeeded, Failed, Active int
	// Complete and FailedReason come from the Job's conditions (Complete,
	// Failed with its reason).
	Complete     bool
	FailedReason string
	// Start and End are the Job's startTime and completionTime.
	Start, End   time.Time
	Schedule     string
	Suspend      bool
	LastSchedule time.Time
	Created      time.Time
}

// JobReader is implemented by the Kubernetes readers that list Jobs and
// CronJobs (batch/v1).
type JobReader interface {
	// Jobs lists the CronJobs, then the Jobs, of namespace ("" all).
	Jobs(ctx context.Context, namespace string) ([]Job, error)
}

// ConfigMap is a ConfigMap as the ConfigMaps view shows it (read on
// demand), with the pods that reference it.
type ConfigMap struct {
	Namespace, Name string
	// Keys are its data keys then its binaryData keys, each sorted.
	Keys []ConfigMapKey
	// UsedBy are the names of the pods of its namespace that reference it
	// (volumes, projected sources, envFrom, env valueFrom), sorted.
	UsedBy    []string
	Immutable bool
	Created   time.Time
}

// Size is the sum of its keys' sizes in bytes.
func (c *ConfigMap) Size() int {
	n := 0
	for _, k := range c.Keys {
		n += k.Size
	}
	return n
}

// ConfigMapKey is one key of a ConfigMap: its size in bytes and, for a
// data key, the start of its value (at most MaxConfigMapValue bytes, raw:
// a view sanitises it).
type ConfigMapKey struct {
	Name   string
	Size   int
	Binary bool
	Value  string
}

// MaxConfigMapValue bounds the part of a ConfigMap value kept for the
// detail.
const MaxConfigMapValue = 512

// ConfigMapReader is implemented by the Kubernetes readers that list
// ConfigMaps (v1) with the pods that use them.
type ConfigMapReader interface {
	// ConfigMaps lists the ConfigMaps of namespace ("" all).
	ConfigMaps(ctx context.Context, namespace string) ([]ConfigMap, error)
}
