package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/opsconsole/console/providers"
)

// claimDef is one volume claim template of a demo StatefulSet: claim
// PREFIX-POD mounted at mount.
type claimDef struct {
	prefix, mount, class string
	gib                  float64
}

// claimDefs are the demo StatefulSets' volume claim templates (the
// arbiter and the Sentinels keep no data).
var claimDefs = map[string][]claimDef{
	"orders-mongo":   {{"data", "/data/db", "gp3", 200}, {"journal", "/data/journal", "io2", 20}},
	"sessions-redis": {{"data", "/data", "gp3", 20}},
	"pilosa":         {{"data", "/var/lib/pilosa", "gp3", 500}},
	"kafka":          {{"data", "/var/lib/kafka/data", "st1", 1000}, {"logs", "/opt/kafka/logs", "gp3", 10}},
}

// simClaim is a claim of the master state and the pod that mounts it.
type simClaim struct {
	claim providers.VolumeClaim
	pod   string
	// deleted and terminating: by a delete (actions_objects.go).
	deleted, terminating bool
}

// simService is a Service of the master state: the workload behind it.
type simService struct {
	svc     providers.Service
	wl      int
	deleted bool // by a delete (actions_objects.go)
}

// genKubeObjects makes a Service per workload (headless for a
// StatefulSet, a load balancer for the frontend) and the StatefulSets'
// claims, with their own random source so that the rest of the demo is
// the same as before they existed.
func (st *state) genKubeObjects() {
	rng := rand.New(rand.NewPCG(uint64(st.opts.Seed), 0x6b75626573746f72))
	for w := range st.inv.Workloads {
		wl := &st.inv.Workloads[w]
		s := providers.Service{Namespace: wl.Namespace, Name: wl.Name, Cluster: wl.Cluster, Type: "ClusterIP",
			ClusterIP: "172.20." + strconv.Itoa(rng.IntN(256)) + "." + strconv.Itoa(1+rng.IntN(254)),
			External:  []string{}, EndpointsKnown: true, Created: st.opts.Start.Add(-time30d)}
		port := st.wl[w].port
		switch wl.Kind {
		case kindStatefulSet:
			s.ClusterIP = "None"
			s.Ports = []providers.ServicePort{{Name: "tcp", Protocol: "TCP", Port: port, TargetPort: strconv.Itoa(port)}}
		default:
			s.Ports = []providers.ServicePort{{Name: "http", Protocol: "TCP", Port: 80, TargetPort: strconv.Itoa(port)}}
		}
		if wl.Name == "frontend" {
			s.Type = "LoadBalancer"
			s.Ports[0].NodePort = 30000 + rng.IntN(2768)
			for i, lb := range st.inv.LoadBalancers {
				if st.lbs[i].wl == w {
					s.External = append(s.External, lb.DNSName)
				}
			}
		}
		st.svcs = append(st.svcs, simService{svc: s, wl: w})
		if wl.Kind != kindStatefulSet {
			continue
		}
		for _, p := range st.pods {
			if p.wl != w {
				continue
			}
			for _, d := range claimDefs[wl.Name] {
				used := d.gib * (0.15 + 0.6*rng.Float64())
				st.claims = append(st.claims, simClaim{pod: p.Name, claim: providers.VolumeClaim{
					Namespace: wl.Namespace, Name: d.prefix + "-" + p.Name, Cluster: wl.Cluster, Phase: "Bound",
					StorageClass: d.class, CapacityGiB: d.gib, RequestGiB: d.gib, Volume: "pvc-" + uuidLike(rng),
					AccessModes: []string{"ReadWriteOnce"}, VolumeMode: "Filesystem", ReclaimPolicy: "Delete",
					Driver: "ebs.csi.aws.com", MountPath: d.mount, UsedGiB: roundTo(used, 1), FilesystemGiB: d.gib,
					UsageKnown: true, Created: p.Created,
				}})
			}
		}
	}
}

// time30d is the age of the demo's services.
const time30d = 30 * 24 * time.Hour

// uuidLike is 8-4-4-4-12 hex digits, as a dynamically provisioned
// volume's name has.
func uuidLike(rng *rand.Rand) string {
	b := make([]byte, 0, 36)
	for i, n := range []int{8, 4, 4, 4, 12} {
		if i > 0 {
			b = append(b, '-')
		}
		for range n {
			b = append(b, hexDigits[rng.IntN(16)])
		}
	}
	return string(b)
}

// kubeObjects are the snapshot's Services (their endpoints the live pods
// of their workload) and claims (their pod while it exists).
func (st *state) kubeObjects(inv *providers.Inventory) {
	podsOf := map[int][]int{}
	live := map[string]bool{}
	for i := range st.pods {
		p := &st.pods[i]
		live[p.Cluster+"/"+p.Namespace+"/"+p.Name] = true
		if p.wl >= 0 && p.IP != "" {
			podsOf[p.wl] = append(podsOf[p.wl], i)
		}
	}
	inv.Services = make([]providers.Service, 0, len(st.svcs))
	for _, ss := range st.svcs {
		if ss.deleted {
			continue
		}
		s := ss.svc
		s.External = slices.Clone(s.External)
		s.Ports = slices.Clone(s.Ports)
		s.Endpoints = make([]providers.Endpoint, 0, len(podsOf[ss.wl]))
		for _, pi := range podsOf[ss.wl] {
			p := &st.pods[pi]
			s.Endpoints = append(s.Endpoints, providers.Endpoint{Address: p.IP, Ready: p.Ready, Pod: p.Name, Node: p.Node})
			if p.Ready {
				s.EndpointsReady++
			}
		}
		slices.SortStableFunc(s.Endpoints, func(a, b providers.Endpoint) int {
			switch {
			case a.Ready == b.Ready:
				return 0
			case a.Ready:
				return -1
			}
			return 1
		})
		s.EndpointsTotal = len(s.Endpoints)
		inv.Services = append(inv.Services, s)
	}
	inv.VolumeClaims = make([]providers.VolumeClaim, 0, len(st.claims))
	for i := range st.claims {
		sc := &st.claims[i]
		if sc.gone(func(cluster, ns, name string) bool { return live[cluster+"/"+ns+"/"+name] }) {
			continue
		}
		c := sc.claim
		if sc.terminating {
			c.Phase = "Terminating"
		}
		c.AccessModes = slices.Clone(c.AccessModes)
		c.Pods = []string{}
		if live[c.Cluster+"/"+c.Namespace+"/"+sc.pod] {
			c.Pods = append(c.Pods, sc.pod)
		}
		inv.VolumeClaims = append(inv.VolumeClaims, c)
	}
}
