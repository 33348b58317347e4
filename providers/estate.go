package providers

import "time"

// Alarm states (CloudWatch's StateValue).
const (
	AlarmOK               = "OK"
	AlarmFiring           = "ALARM"
	AlarmInsufficientData = "INSUFFICIENT_DATA"
)

// Kinds of the objects an alarm watches (Alarm.ObjectKind); they are the
// actions.Ref kinds of the same objects.
const (
	ObjectLoadBalancer = "loadbalancer"
	ObjectASG          = "asg"
	ObjectDatabase     = "database"
	ObjectInstance     = "instance"
)

// Alarm is a CloudWatch metric alarm and the object it watches, resolved
// from its dimensions (LoadBalancer, AutoScalingGroupName,
// DBInstanceIdentifier/DBClusterIdentifier, InstanceId).
type Alarm struct {
	Name       string      `json:"name"`
	Region     string      `json:"region"`
	State      string      `json:"state"` // OK, ALARM, INSUFFICIENT_DATA
	Reason     string      `json:"reason"`
	Namespace  string      `json:"namespace"`
	Metric     string      `json:"metric"`
	Dimensions []Dimension `json:"dimensions"`
	// Since is when the alarm entered its state.
	Since time.Time `json:"since"`
	// ObjectKind and Object name what the alarm watches ("" when its
	// dimensions name nothing the console knows): a load balancer's
	// name, an ASG's name, a database cluster's name, an instance id.
	ObjectKind string `json:"object_kind"`
	Object     string `json:"object"`
}

// Dimension is one name=value dimension of a metric.
type Dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SecurityGroup is an EC2 security group with its rules, one rule per
// peer (a CIDR or another group, resolved to its name where known).
type SecurityGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Region      string   `json:"region"`
	VPC         string   `json:"vpc"`
	Description string   `json:"description"`
	Inbound     []SGRule `json:"inbound"`
	Outbound    []SGRule `json:"outbound"`
}

// SGRule is one permission of a security group for one peer. Protocol is
// "tcp", "udp", "icmp" or "all"; the ports are 0–65535 for all.
type SGRule struct {
	Protocol string `json:"protocol"`
	FromPort int    `json:"from_port"`
	ToPort   int    `json:"to_port"`
	// CIDR or Group (a group id, GroupName its name) is the peer.
	CIDR        string `json:"cidr,omitempty"`
	Group       string `json:"group,omitempty"`
	GroupName   string `json:"group_name,omitempty"`
	Description string `json:"description,omitempty"`
}

// NetworkACL is a subnet network ACL: ordered, stateless rules.
type NetworkACL struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Region  string     `json:"region"`
	VPC     string     `json:"vpc"`
	Default bool       `json:"default"`
	Subnets []string   `json:"subnets"`
	Entries []ACLEntry `json:"entries"`
}

// ACLEntry is one numbered rule of a network ACL; rules are evaluated in
// ascending order and the first that matches decides (32767, "*", denies
// what none matched).
type ACLEntry struct {
	RuleNumber int    `json:"rule_number"`
	Egress     bool   `json:"egress"`
	Protocol   string `json:"protocol"` // tcp, udp, icmp, all
	FromPort   int    `json:"from_port"`
	ToPort     int    `json:"to_port"`
	CIDR       string `json:"cidr"`
	Action     string `json:"action"` // allow, deny
}

// RouteTable is a VPC route table with the subnets associated with it
// (Main: the VPC's main table, used by subnets without an association).
type RouteTable struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Region  string   `json:"region"`
	VPC     string   `json:"vpc"`
	Main    bool     `json:"main"`
	Subnets []string `json:"subnets"`
	Routes  []Route  `json:"routes"`
}

// Route is one route: destination CIDR (or prefix list) → target
// (local, igw-…, nat-…, pcx-…, tgw-…, eni-…), state active/blackhole.
type Route struct {
	Destination string `json:"destination"`
	Target      string `json:"target"`
	State       string `json:"state"`
}

// CertExpiryWarn is how close a certificate's expiry makes it a problem.
const CertExpiryWarn = 30 * 24 * time.Hour

// Distribution is a CloudFront distribution (global: Region is empty).
type Distribution struct {
	ID         string   `json:"id"`
	DomainName string   `json:"domain_name"`
	Status     string   `json:"status"` // Deployed, InProgress
	Enabled    bool     `json:"enabled"`
	Comment    string   `json:"comment"`
	Aliases    []string `json:"aliases"`
	Origins    []Origin `json:"origins"`
	// Certificate is the viewer certificate's ACM ARN ("" for the default
	// *.cloudfront.net one); CertExpires its expiry when ACM says it.
	Certificate string    `json:"certificate"`
	CertExpires time.Time `json:"cert_expires"`
}

// Origin is one origin of a distribution; LoadBalancer and Region name the
// load balancer whose DNS name it is ("" when it is something else).
type Origin struct {
	ID           string `json:"id"`
	DomainName   string `json:"domain_name"`
	LoadBalancer string `json:"load_balancer"`
	Region       string `json:"region"`
}

// CertExpiring reports whether the distribution's certificate expires
// within CertExpiryWarn of now (false when the expiry is unknown).
func (d *Distribution) CertExpiring(now time.Time) bool {
	return !d.CertExpires.IsZero() && d.CertExpires.Sub(now) < CertExpiryWarn
}
