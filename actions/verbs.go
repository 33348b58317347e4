package actions

import "strings"

// Kind is the kind of object an action targets (Ref.Kind). Every source —
// Kubernetes, AWS, Terraform, databases and the demo — names its objects
// with these constants, so the same KIND/NAME works on the demo and on the
// real estate.
type Kind string

// Target kinds (docs/actions.md lists which source offers what on each).
const (
	KindDeployment  Kind = "deployment"
	KindStatefulSet Kind = "statefulset"
	KindDaemonSet   Kind = "daemonset"
	KindCronJob     Kind = "cronjob"
	KindPod         Kind = "pod"
	KindNode        Kind = "node"
	KindASG         Kind = "asg"
	KindInstance    Kind = "instance"
	KindDatabase    Kind = "database"
	// KindMember is a member of a database; Ref.Namespace names its database.
	KindMember Kind = "member"
	KindStack  Kind = "stack"
	// KindResource is a resource of a Terraform stack; Ref.Namespace names the stack.
	KindResource Kind = "resource"
	// KindLock is a held Terraform state lock; Ref.Namespace names the stack.
	KindLock Kind = "lock"
)

// Kinds lists every target kind, in the order docs/actions.md shows them.
// A Kubernetes object of any other kind (a Service, a custom resource) is
// named by its resource as kubectl takes it, plural[.group]
// ("services", "crontabs.stable.example.com"): only delete is offered on it.
var Kinds = []Kind{KindDeployment, KindStatefulSet, KindDaemonSet, KindCronJob, KindPod, KindNode,
	KindASG, KindInstance, KindDatabase, KindMember, KindStack, KindResource, KindLock}

// Verb is what an action does (Spec.Name). There is one verb per meaning,
// whatever the runner: promoting a database member is VerbPromote whether it
// is an Aurora failover, a Redis REPLICAOF NO ONE or a pg_promote.
type Verb string

// Verbs (docs/actions.md lists them with the runners that implement each).
const (
	VerbRestart  Verb = "restart"
	VerbScale    Verb = "scale"
	VerbCordon   Verb = "cordon"
	VerbUncordon Verb = "uncordon"
	VerbDrain    Verb = "drain"
	VerbDelete   Verb = "delete"
	// VerbTerminate terminates an instance; its autoscaling group replaces it.
	VerbTerminate Verb = "terminate"
	// VerbTerminateDecrement terminates an instance and shrinks its group's
	// desired capacity by one.
	VerbTerminateDecrement Verb = "terminate-and-decrement"
	// VerbSetDesiredCapacity sets an autoscaling group's desired capacity.
	VerbSetDesiredCapacity Verb = "set-desired-capacity"
	// VerbPromote makes a replica the primary (Aurora failover, Redis
	// REPLICAOF NO ONE, pg_promote, a demo failover).
	VerbPromote Verb = "promote"
	// VerbBackup takes a backup (an RDS cluster snapshot, Redis BGSAVE).
	VerbBackup Verb = "backup"
	// VerbRestore restores a database from a backup.
	VerbRestore  Verb = "restore"
	VerbPlan     Verb = "plan"
	VerbApply    Verb = "apply"
	VerbRebuild  Verb = "rebuild"
	VerbTeardown Verb = "teardown"
	VerbRecreate Verb = "recreate"
	VerbUnlock   Verb = "unlock"
	// VerbPortForward forwards a local port to a pod's port until stopped.
	VerbPortForward Verb = "port-forward"
	// VerbUndo rolls a workload back to an earlier revision of its pod
	// template (`kubectl rollout undo --to-revision`).
	VerbUndo Verb = "undo"
	// VerbSuspend stops a CronJob from starting new jobs; VerbResume lets
	// it start them again.
	VerbSuspend Verb = "suspend"
	VerbResume  Verb = "resume"
	// VerbShell opens a shell in a container, attached to the user's
	// terminal (an Interactive action: Executor.Attach).
	VerbShell Verb = "shell"
	// VerbBringUp brings a scheduled object up outside its schedule (an
	// ASG to its scheduled "up" sizes, a stack applied).
	VerbBringUp Verb = "bring-up"
	// VerbSkipTeardown skips the next scheduled teardown of an object.
	VerbSkipTeardown Verb = "skip-teardown"
)

// Verbs lists every verb, in the order docs/actions.md shows them.
var Verbs = []Verb{VerbRestart, VerbScale, VerbCordon, VerbUncordon, VerbDrain, VerbDelete,
	VerbTerminate, VerbTerminateDecrement, VerbSetDesiredCapacity, VerbPromote, VerbBackup,
	VerbRestore, VerbPlan, VerbApply, VerbRebuild, VerbTeardown, VerbRecreate, VerbUnlock, VerbPortForward,
	VerbUndo, VerbSuspend, VerbResume, VerbShell, VerbBringUp, VerbSkipTeardown}

// verbAliases are older or runner-specific spellings the command line still
// accepts (docs/actions.md).
var verbAliases = map[string]Verb{
	"set-desired": VerbSetDesiredCapacity,
	"failover":    VerbPromote,
	"snapshot":    VerbBackup,
	"rollback":    VerbUndo,
}

// ParseVerb returns the verb a user typed: a verb, or one of the aliases
// ("set-desired", "failover", "snapshot"), case-insensitively. ok is false
// for anything else.
func ParseVerb(s string) (Verb, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, v := range Verbs {
		if string(v) == s {
			return v, true
		}
	}
	v, ok := verbAliases[s]
	return v, ok
}
