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
