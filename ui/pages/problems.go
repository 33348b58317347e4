package pages

import (
	"slices"
	"strconv"
	"time"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
)

// lagWarnSeconds is the replica lag from which a member warns and its
// cluster counts as lagging.
const lagWarnSeconds = 30

// ProblemTarget names one object that is wrong: the page that lists it,
// and the kind and name its Focuser takes.
type ProblemTarget struct {
	Page, Kind, Name string
	// What says in words what is wrong with it.
	What string
	// Context is the Kubernetes context of a pod or node ("" for other
	// kinds): the row focused is the one of that context.
	Context string
}

// FocusName is the name its page's Focuser takes: Name after its
// context, when it has one (the rows' keys carry it, see kubeKey).
func (t ProblemTarget) FocusName() string {
	if t.Context == "" {
		return t.Name
	}
	return san(t.Context) + "/" + t.Name
}

// Problems counts what is wrong now across the sources, and names the
// worst object. The health rules are the views' own: providers.PodHealth,
// providers.NodeStatus, a load balancer's target health, a database's
// roles and replica lag.
type Problems struct {
	// Pods not ready (PodHealth bad) or crash-looping.
	Pods int
	// Nodes NotReady (NodeStatus bad).
	Nodes int
	// Targets unhealthy, over every load balancer.
	Targets int
	// DBs are the database clusters without exactly one healthy primary
	// or with a replica lagging.
	DBs int
	// Volumes of database members (or clusters) over
	// providers.VolumeFullPercent used.
	Volumes int
	// FailedRuns are the action runs that failed (the shell adds them).
	FailedRuns int
	// Alarms are the CloudWatch alarms in ALARM.
	Alarms int
	// Certs are the CloudFront viewer certificates expiring within
	// providers.CertExpiryWarn.
	Certs int
	// Agents are the DaemonSet pods missing from nodes that must run
	// them (providers.AgentMissing: past the grace).
	Agents int
	// Worst is the worst object (zero when nothing is wrong).
	Worst     ProblemTarget
	worstRank int
}

// Problem ranks, worst highest: what loses the most service first.
const (
	rankFailedRun = 10 + iota*10
	rankCert
	rankAgent
	rankSomeTargets
	rankLagging
	rankVolumeFull
	rankAlarm
	rankPod
	rankCrashLoop
	rankNoTargets
	rankNoPrimary
	rankNode
)

// Total is the number of problems counted.
func (p *Problems) Total() int {
	return p.Pods + p.Nodes + p.Targets + p.DBs + p.Volumes + p.FailedRuns + p.Alarms + p.Certs + p.Agents
}

// Consider makes t the worst object when rank is higher than the worst's
// so far (the first of equal ranks stays).
func (p *Problems) Consider(rank int, t ProblemTarget) {
	if rank > p.worstRank {
		p.worstRank, p.Worst = rank, t
	}
}

// AddFailedRun counts a failed action run (id, its target in words).
func (p *Problems) AddFailedRun(id, what string) {
	p.FailedRuns++
	p.Consider(rankFailedRun, ProblemTarget{Page: "actions", Kind: "run", Name: id, What: what})
}

// FindProblems counts what is wrong in inv. It walks the whole
// inventory: call it off the UI goroutine, once per snapshot.
func FindProblems(inv *providers.Inventory) Problems {
	var p Problems
	p.walk(inv, nil)
	return p
}

// RankedProblem is one object that is wrong and how bad it is (higher
// Rank: more service lost).
type RankedProblem struct {
	Rank int
	ProblemTarget
}

// ListProblems counts what is wrong in inv (as FindProblems) and lists
// every object counted, worst first (objects of one rank in the
// inventory's order). Call it off the UI goroutine.
func ListProblems(inv *providers.Inventory) (Problems, []RankedProblem) {
	var (
		p   Problems
		out []RankedProblem
	)
	p.walk(inv, func(rank int, t ProblemTarget) { out = append(out, RankedProblem{rank, t}) })
	slices.SortStableFunc(out, func(a, b RankedProblem) int { return b.Rank - a.Rank })
	return p, out
}

// walk counts the problems of inv into p, calling visit (when not nil)
// with each object counted.
func (p *Problems) walk(inv *providers.Inventory, visit func(rank int, t ProblemTarget)) {
	consider := func(rank int, t ProblemTarget) {
		p.Consider(rank, t)
		if visit != nil {
			visit(rank, t)
		}
	}
	for i := range inv.Nodes {
		n := &inv.Nodes[i]
		if st, h := providers.NodeStatus(n); h == providers.HealthBad {
			p.Nodes++
			consider(rankNode, ProblemTarget{Page: "nodes", Kind: "node", Name: san(n.Name), What: "node " + san(n.Name) + " " + st, Context: n.Cluster})
		}
		for j := range n.Agents {
			if a := &n.Agents[j]; a.Status == providers.AgentMissing {
				p.Agents++
				consider(rankAgent, ProblemTarget{Page: "nodes", Kind: "node", Name: san(n.Name), What: "node " + san(n.Name) + ": no " + san(a.Name()) + " pod", Context: n.Cluster})
			}
		}
	}
	for i := range inv.Pods {
		pod := &inv.Pods[i]
		crash := pod.Reason == "CrashLoopBackOff"
		if providers.PodHealth(pod) != providers.HealthBad && !crash {
			continue
		}
		p.Pods++
		rank, why := rankPod, "not ready"
		if crash {
			rank, why = rankCrashLoop, "CrashLoopBackOff"
		}
		consider(rank, ProblemTarget{Page: "pods", Kind: "pod", Name: san(pod.Namespace) + "/" + san(pod.Name), What: "pod " + san(pod.Name) + " " + why, Context: pod.Cluster})
	}
	for i := range inv.LoadBalancers {
		lb := &inv.LoadBalancers[i]
		bad := lb.TargetsTotal - lb.TargetsHealthy
		if bad <= 0 {
			continue
		}
		p.Targets += bad
		rank := rankSomeTargets
		if lb.TargetsHealthy == 0 {
			rank = rankNoTargets
		}
		consider(rank, ProblemTarget{Page: "lb", Kind: "lb", Name: san(lb.Name), What: "load balancer " + san(lb.Name) + ": " + strconv.Itoa(lb.TargetsHealthy) + "/" + strconv.Itoa(lb.TargetsTotal) + " targets healthy"})
	}
	for i := range inv.Databases {
		db := &inv.Databases[i]
		primaries, roles, lagging := 0, false, false
		for j := range db.Members {
			m := &db.Members[j]
			switch m.Role {
			case providers.RolePrimary:
				roles = true
				if m.Healthy {
					primaries++
				}
			case providers.RoleReplica:
				roles = true
				if m.LagSeconds > lagWarnSeconds {
					lagging = true
				}
			}
		}
		t := ProblemTarget{Page: "db", Kind: "database", Name: san(db.Name), What: ""}
		fullVolumes(p, db, t, consider)
		switch {
		case roles && primaries != 1:
			t.What = "database " + t.Name + ": " + strconv.Itoa(primaries) + " healthy primaries"
			consider(rankNoPrimary, t)
		case lagging:
			t.What = "database " + t.Name + ": a replica lags"
			consider(rankLagging, t)
		default:
			continue
		}
		p.DBs++
	}
	for i := range inv.Alarms {
		a := &inv.Alarms[i]
		if a.State != providers.AlarmFiring {
			continue
		}
		p.Alarms++
		consider(rankAlarm, AlarmTarget(inv, a))
	}
	now := time.Now()
	for i := range inv.Distributions {
		d := &inv.Distributions[i]
		if !d.CertExpiring(now) {
			continue
		}
		p.Certs++
		consider(rankCert, ProblemTarget{Page: "edge", Kind: "distribution", Name: san(d.ID), What: "CloudFront " + san(d.ID) + ": certificate expires in " +
			common.Age(d.CertExpires.Sub(now))})
	}
}

// fullVolumes counts the volumes of db (shared and per member) over
// providers.VolumeFullPercent used; a volume whose usage is unknown is
// never counted.
func fullVolumes(p *Problems, db *providers.Database, t ProblemTarget, note func(int, ProblemTarget)) {
	consider := func(owner string, vs []providers.Volume) {
		for _, v := range vs {
			if !v.Full() {
				continue
			}
			p.Volumes++
			t.What = "database " + t.Name + ": " + san(owner) + " " + san(v.Mount) + " " + strconv.Itoa(int(v.UsedPercent())) + "% full"
			note(rankVolumeFull, t)
		}
	}
	consider(db.Name, db.Volumes)
	for j := range db.Members {
		consider(db.Members[j].Name, db.Members[j].Volumes)
	}
}
