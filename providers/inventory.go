// Package providers defines the console's inventory model (plain Go types,
// no UI imports), the Provider interface every data source implements, and
// the Store that merges the sources into immutable snapshots for the UI.
//
// The JSON form of Inventory is the stable, documented output of
// `console inventory --json` (see docs/inventory-json.md): flat arrays,
// snake_case keys.
package providers

import (
	"fmt"
	"slices"
	"time"

	"github.com/opsconsole/console/traces"
)

// Source status values reported in SourceStatus.Status.
const (
	StatusOK      = "ok"      // the last update succeeded
	StatusStale   = "stale"   // the source is failing; data shown is the last good data
	StatusError   = "error"   // the source never produced data
	StatusPending = "pending" // the source has not answered yet
	StatusLoading = "loading" // the source's first load is arriving; the data shown is partial
)

// Inventory is one consistent view of the estate. A provider fills only the
// parts it knows; the Store merges the inventories of all sources.
// An Inventory handed out by the Store is immutable: never modify it.
type Inventory struct {
	Sources           []SourceStatus        `json:"sources"`
	Regions           []Region              `json:"regions"`
	Zones             []Zone                `json:"zones"`
	VPCs              []VPC                 `json:"vpcs"`
	Subnets           []Subnet              `json:"subnets"`
	AutoscalingGroups []AutoscalingGroup    `json:"autoscaling_groups"`
	Instances         []Instance            `json:"instances"`
	Nodes             []Node                `json:"nodes"`
	Pods              []Pod                 `json:"pods"`
	Workloads         []Workload            `json:"workloads"`
	Services          []Service             `json:"services"`
	VolumeClaims      []VolumeClaim         `json:"volume_claims"`
	Events            []Event               `json:"events"`
	LoadBalancers     []LoadBalancer        `json:"load_balancers"`
	Databases         []Database            `json:"databases"`
	Traces            []traces.TraceSummary `json:"traces"`
	Hidden            []Hidden              `json:"hidden"`
	// The rest of the estate (see estate.go).
	Alarms         []Alarm         `json:"alarms"`
	SecurityGroups []SecurityGroup `json:"security_groups"`
	NetworkACLs    []NetworkACL    `json:"network_acls"`
	RouteTables    []RouteTable    `json:"route_tables"`
	Distributions  []Distribution  `json:"distributions"`
	// ImageRepositories are the container registry's repositories (ECR)
	// with their images (see images.go).
	ImageRepositories []ImageRepository `json:"image_repositories"`
}

// SourceStatus is the health and freshness of one data source.
type SourceStatus struct {
	Name       string    `json:"name"`
	Kind       string    `json:"kind"` // sim, kube, aws, db, jaeger
	Status     string    `json:"status"`
	AgeSeconds float64   `json:"age_seconds"` // seconds since the last successful update
	Error      string    `json:"error"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Progress is set while the status is loading.
	Progress *Progress `json:"progress,omitempty"`
}

// Region is a cloud region.
type Region struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	Error  string `json:"error,omitempty"` // set when this region failed to load
}

// Zone is an availability zone.
type Zone struct {
	Name   string `json:"name"`
	Region string `json:"region"`
}

// VPC is a virtual network.
type VPC struct {
	ID     string `json:"id"`
	Region string `json:"region"`
	CIDR   string `json:"cidr"`
	Name   string `json:"name"`
}

// Subnet is a subnet inside one zone; Public is true when it routes to an
// internet gateway (or, failing that, maps public IPs on launch).
type Subnet struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Zone   string `json:"zone"`
	Region string `json:"region"`
	VPC    string `json:"vpc"`
	CIDR   string `json:"cidr"`
	Public bool   `json:"public"`
}

// AutoscalingGroup is an EC2 autoscaling group. Instances lists instance ids.
type AutoscalingGroup struct {
	Name           string   `json:"name"`
	Region         string   `json:"region"`
	Zones          []string `json:"zones"`
	Desired        int      `json:"desired"`
	Min            int      `json:"min"`
	Max            int      `json:"max"`
	Instances      []string `json:"instances"`
	InService      int      `json:"in_service"`
	Pending        int      `json:"pending"`
	Terminating    int      `json:"terminating"`
	LaunchTemplate string   `json:"launch_template"`
	ReadyNodes     int      `json:"ready_nodes"` // filled by the join with Kubernetes nodes
	// ScheduledActions are the group's scheduled actions
	// (DescribeScheduledActions), by name ([] when none).
	ScheduledActions []ScheduledAction `json:"scheduled_actions"`
}

// ScheduledAction is an autoscaling group's scheduled action: at Start (a
// one-off) or on Recurrence (5-field Unix cron in TimeZone, default UTC)
// between Start and End, the group's sizes that are set (nil: unchanged)
// become these.
type ScheduledAction struct {
	Name       string     `json:"name"`
	Recurrence string     `json:"recurrence,omitempty"`
	TimeZone   string     `json:"time_zone,omitempty"`
	Start      *time.Time `json:"start_time,omitempty"`
	End        *time.Time `json:"end_time,omitempty"`
	Desired    *int       `json:"desired"`
	Min        *int       `json:"min"`
	Max        *int       `json:"max"`
}

// Instance is an EC2 instance (or the demo's equivalent).
type Instance struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Region    string `json:"region"`
	Zone      string `json:"zone"`
	State     string `json:"state"`
	Type      string `json:"type"`
	ASG       string `json:"asg"`
	Subnet    string `json:"subnet"`
	PrivateIP string `json:"private_ip"`
	PublicIP  string `json:"public_ip,omitempty"`
	Bastion   bool   `json:"bastion"`
	Node      string `json:"node,omitempty"` // filled by the join: the Kubernetes node on it
	// SecurityGroups are the ids of its groups (omitted when unknown).
	SecurityGroups []string `json:"security_groups,omitempty"`
}

// Node is a Kubernetes node.
type Node struct {
	Name          string            `json:"name"`
	Cluster       string            `json:"cluster"` // kube context or cluster name
	Zone          string            `json:"zone"`
	Region        string            `json:"region"`
	InstanceID    string            `json:"instance_id"`
	InstanceType  string            `json:"instance_type"`
	Ready         bool              `json:"ready"`
	Unschedulable bool              `json:"unschedulable"`
	Draining      bool              `json:"draining"`
	ASG           string            `json:"asg,omitempty"`    // filled by the join
	Subnet        string            `json:"subnet,omitempty"` // filled by the join
	Pods          int               `json:"pods"`             // filled by the join
	Labels        map[string]string `json:"-"`
	Created       time.Time         `json:"created"`
	// Agents are the DaemonSets that must run on the node and their pod
	// there (agents.go), sorted by DaemonSet.
	Agents []Agent `json:"agents"`
}

// Pod is a Kubernetes pod. Owner is "Kind/name" of the controlling workload
// (a ReplicaSet is resolved to its Deployment where the name allows).
type Pod struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	Cluster   string    `json:"cluster"`
	Phase     string    `json:"phase"`
	Ready     bool      `json:"ready"`
	Node      string    `json:"node"`
	Restarts  int       `json:"restarts"`
	Owner     string    `json:"owner"`
	Reason    string    `json:"reason,omitempty"` // e.g. CrashLoopBackOff
	IP        string    `json:"ip,omitempty"`
	Created   time.Time `json:"created"`
	// Images are the images of its containers, in the spec's order (see
	// ContainerImage; the join fills their registry fields).
	Images []ContainerImage `json:"images"`
}

// Workload is a Deployment, StatefulSet or DaemonSet.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Cluster   string `json:"cluster"`
	Desired   int    `json:"desired"`
	Ready     int    `json:"ready"`
	// UpToDate and Available are the pods running the current template and
	// available (ready for minReadySeconds), as kubectl get prints them (a
	// StatefulSet's available and a DaemonSet's are their status counts).
	UpToDate  int `json:"up_to_date"`
	Available int `json:"available"`
	// Images are the pod template's container images, in the spec's order
	// (init containers excluded); empty when the source does not say.
	Images  []string  `json:"images,omitempty"`
	Created time.Time `json:"created"`
	// RPS is the request rate the workload serves, when the source knows it
	// (the demo does); zero otherwise.
	RPS float64 `json:"rps,omitempty"`
}

// Service is a Kubernetes Service and the endpoints behind it (from its
// EndpointSlices).
type Service struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Cluster   string `json:"cluster"`
	// Type is ClusterIP, NodePort, LoadBalancer or ExternalName.
	Type string `json:"type"`
	// ClusterIP is "None" for a headless service, "" for ExternalName.
	ClusterIP string `json:"cluster_ip"`
	// External is the load balancer's ingress (IPs or host names) or the
	// ExternalName; empty when none.
	External []string      `json:"external"`
	Ports    []ServicePort `json:"ports"`
	// EndpointsReady and EndpointsTotal count the endpoints of every
	// EndpointSlice of the service (an endpoint per address, once).
	EndpointsReady int `json:"endpoints_ready"`
	EndpointsTotal int `json:"endpoints_total"`
	// Endpoints are the addresses behind the service, ready first.
	Endpoints []Endpoint `json:"endpoints"`
	// EndpointsKnown is false when the user may not list EndpointSlices:
	// the endpoint counts are then unknown rather than zero.
	EndpointsKnown bool      `json:"endpoints_known"`
	Created        time.Time `json:"created"`
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name     string `json:"name,omitempty"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
	// TargetPort is the pod's port, a number or a named port.
	TargetPort string `json:"target_port,omitempty"`
	NodePort   int    `json:"node_port,omitempty"`
}

// String is the port as kubectl prints it: "80:30080/TCP".
func (p ServicePort) String() string {
	s := fmt.Sprint(p.Port)
	if p.NodePort != 0 {
		s += fmt.Sprintf(":%d", p.NodePort)
	}
	return s + "/" + p.Protocol
}

// Endpoint is one address of a Service's EndpointSlices.
type Endpoint struct {
	Address string `json:"address"`
	// Ready is the endpoint's ready condition (an endpoint without the
	// condition is ready, as the EndpointSlice API says).
	Ready bool `json:"ready"`
	// Pod is the pod behind the address (its targetRef), "" when the
	// address is not a pod's (a hand-made slice, an external address).
	Pod  string `json:"pod,omitempty"`
	Node string `json:"node,omitempty"`
}

// Pods returns the names of the pods behind the service, ready ones first.
func (s *Service) Pods() []string {
	var out []string
	for _, e := range s.Endpoints {
		if e.Pod != "" && !slices.Contains(out, e.Pod) {
			out = append(out, e.Pod)
		}
	}
	return out
}

// VolumeClaim is a PersistentVolumeClaim with what its bound
// PersistentVolume says, the pods that mount it and, where the kubelet
// reports it, its usage.
type VolumeClaim struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Cluster   string `json:"cluster"`
	// Phase is Pending, Bound or Lost.
	Phase string `json:"phase"`
	// StorageClass is the claim's storageClassName, else its volume's.
	StorageClass string `json:"storage_class"`
	// CapacityGiB is the bound capacity (status), else the volume's, else
	// the request; RequestGiB is what the claim asks for.
	CapacityGiB float64 `json:"capacity_gib"`
	RequestGiB  float64 `json:"request_gib"`
	// Volume is the bound PersistentVolume's name ("" while Pending).
	Volume string `json:"volume"`
	// AccessModes as the API names them (ReadWriteOnce, ReadOnlyMany,
	// ReadWriteMany, ReadWriteOncePod).
	AccessModes []string `json:"access_modes"`
	// VolumeMode is Filesystem or Block.
	VolumeMode string `json:"volume_mode,omitempty"`
	// ReclaimPolicy and Driver come from the bound volume (Delete, Retain;
	// the CSI driver or the in-tree kind, e.g. ebs.csi.aws.com, hostPath);
	// empty when the volume cannot be read.
	ReclaimPolicy string `json:"reclaim_policy,omitempty"`
	Driver        string `json:"driver,omitempty"`
	// Pods are the pods that mount the claim; MountPath is where the first
	// of them mounts it (its first container that does).
	Pods      []string `json:"pods"`
	MountPath string   `json:"mount_path,omitempty"`
	// UsedGiB is the usage the kubelet reports (its stats summary) and
	// FilesystemGiB the size of the filesystem it measured (0: not
	// reported, the capacity counts); meaningful only when UsageKnown.
	UsedGiB       float64   `json:"used_gib"`
	FilesystemGiB float64   `json:"filesystem_gib,omitempty"`
	UsageKnown    bool      `json:"usage_known"`
	Created       time.Time `json:"created"`
}

// SizeGiB is the size the usage is measured against: the filesystem the
// kubelet measured, else the capacity.
func (c *VolumeClaim) SizeGiB() float64 {
	if c.FilesystemGiB > 0 {
		return c.FilesystemGiB
	}
	return c.CapacityGiB
}

// AsVolume is the claim as a database member's volume mounted as mount
// ("/data", "/journal", "/logs").
func (c *VolumeClaim) AsVolume(mount string) Volume {
	return Volume{Mount: mount, Path: "pvc " + c.Namespace + "/" + c.Name, Class: c.StorageClass,
		SizeGiB: c.SizeGiB(), UsedGiB: c.UsedGiB, UsageKnown: c.UsageKnown}
}

// ShortAccessModes are the access modes as kubectl prints them (RWO, ROX,
// RWX, RWOP).
func (c *VolumeClaim) ShortAccessModes() []string {
	out := make([]string, 0, len(c.AccessModes))
	for _, m := range c.AccessModes {
		switch m {
		case "ReadWriteOnce":
			m = "RWO"
		case "ReadOnlyMany":
			m = "ROX"
		case "ReadWriteMany":
			m = "RWX"
		case "ReadWriteOncePod":
			m = "RWOP"
		}
		out = append(out, m)
	}
	return out
}

// Event is a recent (warning) event about an object.
type Event struct {
	Time      time.Time `json:"time"`
	Type      string    `json:"type"` // Normal, Warning
	Reason    string    `json:"reason"`
	Object    string    `json:"object"` // Kind/namespace/name
	Message   string    `json:"message"`
	Cluster   string    `json:"cluster"`
	Namespace string    `json:"namespace"`
}

// LoadBalancer is an ELBv2 load balancer with its target health rolled up.
type LoadBalancer struct {
	Name           string        `json:"name"`
	Region         string        `json:"region"`
	Type           string        `json:"type"`   // application, network
	Scheme         string        `json:"scheme"` // internet-facing, internal
	DNSName        string        `json:"dns_name"`
	Zones          []string      `json:"zones"`
	SSLTermination bool          `json:"ssl_termination"`
	Listeners      []Listener    `json:"listeners"`
	TargetGroups   []TargetGroup `json:"target_groups"`
	TargetsHealthy int           `json:"targets_healthy"`
	TargetsTotal   int           `json:"targets_total"`
	// RPS is the request rate, when the source knows it (the demo does).
	RPS float64 `json:"rps,omitempty"`
	// SecurityGroups and Subnets place it in the network (omitted when
	// unknown, e.g. a network load balancer without groups).
	SecurityGroups []string `json:"security_groups,omitempty"`
	Subnets        []string `json:"subnets,omitempty"`
}

// Listener is a load balancer listener.
type Listener struct {
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
}

// TargetGroup is a load balancer target group.
type TargetGroup struct {
	Name    string   `json:"name"`
	Port    int      `json:"port"`
	Targets []Target `json:"targets"`
}

// Target is one registered target and its health.
type Target struct {
	ID     string `json:"id"`
	Port   int    `json:"port"`
	Health string `json:"health"` // healthy, unhealthy, draining, ...
}

// Database roles.
const (
	RolePrimary = "primary"
	RoleReplica = "replica"
	RoleArbiter = "arbiter"
	RoleNode    = "node" // a member of a cluster without primary/replica roles (Pilosa)
	// RoleSentinel is a Redis Sentinel: it holds no data and watches the primary.
	RoleSentinel = "sentinel"
)

// Database is a database cluster (Aurora, Redis, Mongo, Pilosa, PostgreSQL).
type Database struct {
	Name       string    `json:"name"`
	Engine     string    `json:"engine"`
	Region     string    `json:"region"`
	Status     string    `json:"status"`
	Endpoint   string    `json:"endpoint,omitempty"`
	Members    []Member  `json:"members"`
	Backups    []Backup  `json:"backups"`
	LastBackup time.Time `json:"last_backup"`
	// Volumes is storage the cluster's members share (an Aurora cluster
	// volume); each member's own volumes are in Member.Volumes.
	Volumes []Volume `json:"volumes,omitempty"`
	// RestoreWindow is the range of times the cluster can be restored to
	// (RDS point-in-time restore, a PostgreSQL WAL archive); nil when it
	// keeps no logs to replay.
	RestoreWindow *TimeWindow `json:"restore_window,omitempty"`
	// RestoredFrom names the backup an instance the console restored was
	// started from ("orders@20260101T000000.000Z"); "" for a live cluster.
	RestoredFrom string `json:"restored_from,omitempty"`
}

// TimeWindow is a closed range of times, and where it comes from.
type TimeWindow struct {
	Earliest time.Time `json:"earliest"`
	Latest   time.Time `json:"latest"`
	// Source says what keeps the logs, e.g. "rds automated backups",
	// "wal archive /var/lib/console/db/wal/orders".
	Source string `json:"source,omitempty"`
}

// Contains reports whether t lies within the window.
func (w TimeWindow) Contains(t time.Time) bool {
	return !t.Before(w.Earliest) && !t.After(w.Latest)
}

// Volume is one volume of a database member (or a cluster's shared
// storage): where the engine keeps its data (/data), journal (/journal,
// PostgreSQL's pg_wal when separate) or logs (/logs).
type Volume struct {
	// Mount is the role of the volume: "/data", "/journal" or "/logs".
	Mount string `json:"mount"`
	// Path is where it is: a directory on the member's host, a
	// PersistentVolumeClaim (namespace/name), an RDS instance.
	Path string `json:"path,omitempty"`
	// Class is the storage class: a PVC's storageClassName, the RDS
	// StorageType (gp2, gp3, io1, aurora, aurora-iopt1), or the local
	// filesystem's type (ext4, xfs, overlay).
	Class string `json:"class,omitempty"`
	// SizeGiB is the volume's size (0 when unknown).
	SizeGiB float64 `json:"size_gib"`
	// UsedGiB is how much of it is used; meaningful only when UsageKnown.
	UsedGiB float64 `json:"used_gib"`
	// UsageKnown is false when the source does not report usage (RDS
	// reports it only through CloudWatch; a PVC's capacity is not its use).
	UsageKnown bool `json:"usage_known"`
	// IOPS is the provisioned IOPS (RDS io1/io2/gp3), 0 when none.
	IOPS int `json:"iops,omitempty"`
}

// String is the volume on one line: "/data ext4 12.0/50.0 GiB (24%)
// /var/lib/pg", the usage "?" when unknown.
func (v Volume) String() string {
	s := v.Mount
	if v.Class != "" {
		s += " " + v.Class
	}
	if v.UsageKnown {
		s += fmt.Sprintf(" %.1f/%.1f GiB", v.UsedGiB, v.SizeGiB)
		if p := v.UsedPercent(); p >= 0 {
			s += fmt.Sprintf(" (%.0f%%)", p)
		}
	} else {
		s += fmt.Sprintf(" ?/%.1f GiB", v.SizeGiB)
	}
	if v.IOPS > 0 {
		s += fmt.Sprintf(" %d iops", v.IOPS)
	}
	if v.Path != "" {
		s += " " + v.Path
	}
	return s
}

// VolumeFullPercent is the usage from which a volume is a problem.
const VolumeFullPercent = 80

// UsedPercent is the volume's usage in percent, or -1 when unknown.
func (v Volume) UsedPercent() float64 {
	if !v.UsageKnown || v.SizeGiB <= 0 {
		return -1
	}
	return 100 * v.UsedGiB / v.SizeGiB
}

// Full reports whether the volume is over VolumeFullPercent used. A volume
// whose usage is unknown is never full.
func (v Volume) Full() bool { return v.UsedPercent() > VolumeFullPercent }

// Member is one member of a database cluster.
type Member struct {
	Name       string  `json:"name"`
	Role       string  `json:"role"`
	Healthy    bool    `json:"healthy"`
	LagSeconds float64 `json:"lag_seconds"`
	Zone       string  `json:"zone"`
	Address    string  `json:"address,omitempty"`
	Status     string  `json:"status"`
	// Subnet and SecurityGroups place an RDS member in the network (its
	// DB subnet group's subnet in its AZ; omitted when unknown).
	Subnet         string   `json:"subnet,omitempty"`
	SecurityGroups []string `json:"security_groups,omitempty"`
	// Volumes are the member's volumes (data, journal, logs).
	Volumes []Volume `json:"volumes,omitempty"`
}

// Backup is one backup or snapshot of a database cluster.
type Backup struct {
	ID      string    `json:"id"`
	Time    time.Time `json:"time"`
	Status  string    `json:"status"`
	SizeMiB float64   `json:"size_mib"`
	// Kind says how it was taken, e.g. "cluster-snapshot", "pg_basebackup", "rdb".
	Kind string `json:"kind,omitempty"`
	// Location says where it is stored, e.g. a directory or an ARN.
	Location string `json:"location,omitempty"`
}

// Hidden says what a source could not show, e.g. namespaces the user may not list.
type Hidden struct {
	Source string `json:"source"`
	What   string `json:"what"`
	Reason string `json:"reason"`
}
