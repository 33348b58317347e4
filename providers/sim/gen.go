package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/console/providers"
)

// svcDef is one stateless service of the demo, deployed in both clusters.
type svcDef struct {
	name     string
	ns       string
	replicas int
	rps      float64 // typical requests per second per cluster
}

// services are the demo's Deployments (67 of them, in 6 namespaces).
var services = []svcDef{
	{"frontend", "shop", 6, 1800}, {"checkout", "shop", 4, 240}, {"cart", "shop", 4, 620},
	{"catalog", "shop", 4, 1400}, {"product-details", "shop", 3, 950}, {"pricing", "shop", 3, 1100},
	{"inventory", "shop", 3, 480}, {"shipping", "shop", 2, 160}, {"orders", "shop", 3, 210},
	{"order-history", "shop", 2, 90}, {"wishlist", "shop", 2, 70}, {"reviews", "shop", 2, 310},
	{"ratings", "shop", 2, 280}, {"promotions", "shop", 2, 330}, {"coupons", "shop", 2, 60},
	{"gift-cards", "shop", 2, 25}, {"currency", "shop", 3, 900}, {"tax", "shop", 2, 230},
	{"store-locator", "shop", 2, 40}, {"returns", "shop", 2, 20},
	{"payments", "payments", 4, 230}, {"payment-gateway", "payments", 3, 230}, {"fraud-detection", "payments", 3, 240},
	{"ledger", "payments", 3, 260}, {"invoicing", "payments", 2, 45}, {"refunds", "payments", 2, 12},
	{"billing", "payments", 2, 55}, {"subscriptions", "payments", 2, 35},
	{"auth", "identity", 4, 760}, {"users", "identity", 3, 520}, {"sessions", "identity", 3, 1300},
	{"profile", "identity", 2, 180}, {"permissions", "identity", 2, 640}, {"oauth-proxy", "identity", 2, 150},
	{"mfa", "identity", 2, 30},
	{"search", "search", 4, 820}, {"search-indexer", "search", 2, 40}, {"autocomplete", "search", 3, 1600},
	{"query-suggest", "search", 2, 700}, {"spellcheck", "search", 2, 690},
	{"recommendations", "ml", 3, 540}, {"personalization", "ml", 3, 480}, {"ranking", "ml", 3, 820},
	{"feature-store", "ml", 3, 1900}, {"model-serving", "ml", 2, 600}, {"ab-testing", "ml", 2, 1200},
	{"api-gateway", "platform", 4, 2100}, {"graphql", "platform", 3, 880}, {"notifications", "platform", 2, 140},
	{"email", "platform", 2, 35}, {"sms", "platform", 2, 8}, {"push", "platform", 2, 90},
	{"webhooks", "platform", 2, 75}, {"media", "platform", 3, 1250}, {"image-resizer", "platform", 3, 700},
	{"cdn-purger", "platform", 2, 4}, {"scheduler", "platform", 2, 15}, {"audit", "platform", 2, 310},
	{"feature-flags", "platform", 2, 2400}, {"config-service", "platform", 2, 120}, {"rate-limiter", "platform", 3, 2100},
	{"geoip", "platform", 2, 450}, {"analytics-ingest", "platform", 3, 1700}, {"event-router", "platform", 3, 1500},
	{"reporting", "platform", 2, 18}, {"export", "platform", 2, 6}, {"admin", "platform", 2, 9},
}

// publicServices get an internet-facing ALB with SSL termination.
var publicServices = []string{"api-gateway", "graphql", "auth", "oauth-proxy", "webhooks", "media"}

// stsDef is a StatefulSet; region "" means both clusters.
type stsDef struct {
	name, ns, region string
	replicas, port   int
}

var statefulSets = []stsDef{
	{"orders-mongo", "data", "us-east-1", 3, 27017},
	{"orders-mongo-arbiter", "data", "us-east-1", 1, 27017},
	{"sessions-redis", "data", "eu-west-1", 3, 6379},
	{"sessions-sentinel", "data", "eu-west-1", 3, 26379},
	{"pilosa", "data", "eu-west-1", 4, 10101},
	{"kafka", "streaming", "", 3, 9092},
}

var daemonSets = []struct{ name, ns string }{{"node-exporter", "monitoring"}, {"fluent-bit", "logging"}}

// regionDef is one of the demo's two regions.
type regionDef struct {
	name, short, domain string
	octet               int // second octet of the VPC CIDR
}

var regionDefs = []regionDef{
	{"us-east-1", "use1", "ec2.internal", 0},
	{"eu-west-1", "euw1", "eu-west-1.compute.internal", 1},
}

// Workload kinds.
const (
	kindDeployment  = "Deployment"
	kindStatefulSet = "StatefulSet"
	kindDaemonSet   = "DaemonSet"
)

// cluster is one region's Kubernetes cluster and network.
type cluster struct {
	name, region, short, domain string
	asg                         string
	zones                       []string
	public, private             []string // subnet ids, one per zone
	octet                       int
}

// pod is a pod of the master state with the index of its workload (-1: none).
type pod struct {
	providers.Pod
	wl  int
	gen int // incarnation: increases with every pod created
}

// wlInfo is the sim's extra state of a workload (parallel to inv.Workloads).
type wlInfo struct {
	hash string // pod template hash of a Deployment
	port int
	base float64 // typical rps
	rps  float64 // current rps
	ci   int     // cluster index
	// deleted marks a workload deleted by an action: it is no longer
	// listed, found or given pods (its index stays, as pods and load
	// balancers refer to workloads by index).
	deleted bool
	// revs is the history of its pod template, oldest first (made on
	// first use by revisions); the last one is the current template.
	revs []simRevision
}

// lbInfo is the sim's extra state of a load balancer (parallel to inv.LoadBalancers).
type lbInfo struct {
	wl     int // the workload behind it
	port   int
	tgName string
}

// state is the master copy of the estate. It is mutated only under Sim.mu
// and never handed out: snapshot copies it.
type state struct {
	opts  Options
	rng   *rand.Rand
	tick  int
	seq   int
	inv   providers.Inventory // master: Pods, Workloads, LoadBalancer targets and ASG instances are derived
	pods  []pod
	wl    []wlInfo
	lbs   []lbInfo
	cl    []cluster
	wlKey map[string]int // cluster/namespace/name → workload index
	// cronJobs are the CronJobs of the clusters (suspend, resume, delete).
	cronJobs []simCronJob

	subnetBase map[string]uint32
	subnetSize map[string]uint32
	subnetNext map[string]uint32

	flicker          map[string]int // target id → tick it recovers
	crashWL          int            // workload whose first pod crash-loops
	crashPausedUntil int            // tick before which the crash loop is paused (after a restart)
	flapNode         string         // node that goes NotReady now and then
	restored         map[string]string

	svcs   []simService // Services (kubeobjects.go)
	claims []simClaim   // the StatefulSets' claims
	images []wlImages   // per workload (see genImages)
}

// now is the simulated time: Start plus the elapsed ticks.
func (st *state) now() time.Time {
	return st.opts.Start.Add(time.Duration(st.tick) * st.opts.Interval)
}

func generate(o Options) *state {
	st := &state{
		opts:       o,
		rng:        rand.New(rand.NewPCG(uint64(o.Seed), 0x5eed0fc0501e)),
		wlKey:      map[string]int{},
		subnetBase: map[string]uint32{},
		subnetSize: map[string]uint32{},
		subnetNext: map[string]uint32{},
		flicker:    map[string]int{},
		restored:   map[string]string{},
	}
	st.genNetwork()
	st.genNodes()
	st.genWorkloads()
	st.genLoadBalancers()
	st.genDatabases()
	st.genEvents()
	st.genKubeObjects()
	st.genCronJobs()
	st.genImages()
	return st
}

// --- identifiers and addresses ---

const hexDigits = "0123456789abcdef"

// awsID returns prefix + "-0" + 16 hex digits, like subnet-0a1b2c3d4e5f67890.
func (st *state) awsID(prefix string) string {
	v := st.rng.Uint64()
	b := make([]byte, 0, len(prefix)+18)
	b = append(b, prefix...)
	b = append(b, '-', '0')
	for i := 60; i >= 0; i -= 4 {
		b = append(b, hexDigits[(v>>uint(i))&0xf])
	}
	return string(b)
}

// hexN returns n random hex digits.
func (st *state) hexN(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[st.rng.IntN(16)]
	}
	return string(b)
}

const podAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// suffix returns n characters of the alphabet Kubernetes uses in generated names.
func (st *state) suffix(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = podAlphabet[st.rng.IntN(len(podAlphabet))]
	}
	return string(b)
}

func ipString(ip uint32) string {
	b := make([]byte, 0, 15)
	b = strconv.AppendUint(b, uint64(ip>>24), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip>>16&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip>>8&0xff), 10)
	b = append(b, '.')
	b = strconv.AppendUint(b, uint64(ip&0xff), 10)
	return string(b)
}

// nodeName is the EC2 private DNS name of an address, e.g. ip-10-0-65-23.ec2.internal.
func nodeName(ip uint32, domain string) string {
	return "ip-" + strings.ReplaceAll(ipString(ip), ".", "-") + "." + domain
}

// alloc returns the next address of a subnet, skipping gap-1 addresses.
func (st *state) alloc(subnet string, gap int) uint32 {
	size := st.subnetSize[subnet]
	if size == 0 {
		return 0
	}
	next := st.subnetNext[subnet] + uint32(gap)
	st.subnetNext[subnet] = next
	return st.subnetBase[subnet] + 10 + next%(size-16)
}

// --- network ---

func (st *state) genNetwork() {
	for _, rd := range regionDefs {
		st.inv.Regions = append(st.inv.Regions, providers.Region{Name: rd.name, Source: ProviderName})
		vpc := st.awsID("vpc")
		st.inv.VPCs = append(st.inv.VPCs, providers.VPC{ID: vpc, Region: rd.name, CIDR: "10." + strconv.Itoa(rd.octet) + ".0.0/16", Name: "demo-" + rd.short})
		c := cluster{name: "demo-" + rd.short, region: rd.name, short: rd.short, domain: rd.domain, asg: "demo-" + rd.short + "-workers", octet: rd.octet}
		for z, letter := range []string{"a", "b", "c"} {
			zone := rd.name + letter
			c.zones = append(c.zones, zone)
			st.inv.Zones = append(st.inv.Zones, providers.Zone{Name: zone, Region: rd.name})
			base := uint32(10)<<24 | uint32(rd.octet)<<16
			pub := providers.Subnet{ID: st.awsID("subnet"), Name: "demo-" + rd.short + "-public-" + letter, Zone: zone, Region: rd.name, VPC: vpc, Public: true}
			pubBase := base | uint32(4*z)<<8
			pub.CIDR = ipString(pubBase) + "/22"
			priv := providers.Subnet{ID: st.awsID("subnet"), Name: "demo-" + rd.short + "-private-" + letter, Zone: zone, Region: rd.name, VPC: vpc}
			privBase := base | uint32(64*(z+1))<<8
			priv.CIDR = ipString(privBase) + "/18"
			st.subnetBase[pub.ID], st.subnetSize[pub.ID] = pubBase, 1<<10
			st.subnetBase[priv.ID], st.subnetSize[priv.ID] = privBase, 1<<14
			st.inv.Subnets = append(st.inv.Subnets, pub, priv)
			c.public = append(c.public, pub.ID)
			c.private = append(c.private, priv.ID)
		}
		st.cl = append(st.cl, c)
	}
	// The bastion host: a public subnet of the first region.
	c := st.cl[0]
	ip := st.alloc(c.public[0], 4)
	st.inv.Instances = append(st.inv.Instances, providers.Instance{
		ID: st.awsID("i"), Name: "demo-bastion", Region: c.region, Zone: c.zones[0], State: "running", Type: "t3.micro",
		Subnet: c.public[0], PrivateIP: ipString(ip), PublicIP: "54.210." + strconv.Itoa(10+st.rng.IntN(200)) + "." + strconv.Itoa(2+st.rng.IntN(250)),
		Bastion: true,
	})
}

// --- nodes ---

const nodeType = "m6i.2xlarge"

func (st *state) genNodes() {
	for ci := range st.cl {
		c := &st.cl[ci]
		n := 6 + st.rng.IntN(4)
		if st.opts.Nodes > 0 {
			n = st.opts.Nodes / len(st.cl)
			if ci < st.opts.Nodes%len(st.cl) {
				n++
			}
			n = max(n, len(c.zones)) // at least one node per zone
		}
		gap := 200 // spread the few nodes of a small estate over the subnet
		if n > 60 {
			gap = 8
		}
		for i := 0; i < n; i++ {
			created := st.opts.Start.Add(-time.Duration(2+st.rng.IntN(30*24)) * time.Hour)
			st.addNode(ci, i%len(c.zones), created, gap)
		}
		g := providers.AutoscalingGroup{
			Name: c.asg, Region: c.region, Zones: append([]string(nil), c.zones...),
			Desired: n, Min: min(3, n), Max: max(n*2, 12), LaunchTemplate: c.asg + "-lt:v" + strconv.Itoa(11+st.rng.IntN(9)),
		}
		if ci == 0 {
			g.ScheduledActions = demoSchedule(g)
		}
		st.inv.AutoscalingGroups = append(st.inv.AutoscalingGroups, g)
	}
	// One node of the second region flaps NotReady now and then.
	var last []string
	for _, n := range st.inv.Nodes {
		if n.Region == st.cl[len(st.cl)-1].region {
			last = append(last, n.Name)
		}
	}
	if len(last) > 0 {
		st.flapNode = last[st.rng.IntN(len(last))]
	}
}

// addNode launches an instance of cluster ci's ASG in zone z and registers
// its Kubernetes node; it returns the node's index.
func (st *state) addNode(ci, z int, created time.Time, gap int) int {
	c := &st.cl[ci]
	subnet := c.private[z]
	ip := st.alloc(subnet, 1+st.rng.IntN(gap))
	id := st.awsID("i")
	name := nodeName(ip, c.domain)
	st.inv.Instances = append(st.inv.Instances, providers.Instance{
		ID: id, Name: c.asg, Region: c.region, Zone: c.zones[z], State: "running", Type: nodeType,
		ASG: c.asg, Subnet: subnet, PrivateIP: ipString(ip),
	})
	st.inv.Nodes = append(st.inv.Nodes, providers.Node{
		Name: name, Cluster: c.name, Zone: c.zones[z], Region: c.region, InstanceID: id, InstanceType: nodeType,
		Ready: true, ASG: c.asg, Subnet: subnet, Created: created,
		Labels: map[string]string{
			"topology.kubernetes.io/zone":      c.zones[z],
			"topology.kubernetes.io/region":    c.region,
			"node.kubernetes.io/instance-type": nodeType,
			"kubernetes.io/hostname":           name,
		},
	})
	return len(st.inv.Nodes) - 1
}

// --- workloads and pods ---

// workloadAge is how long before the demo's start its workloads were created.
const workloadAge = 90 * 24 * time.Hour

// addWorkload registers a workload and returns its index.
func (st *state) addWorkload(ci int, kind, ns, name string, desired, port int, rps float64) int {
	c := st.cl[ci]
	st.inv.Workloads = append(st.inv.Workloads, providers.Workload{Kind: kind, Namespace: ns, Name: name, Cluster: c.name, Desired: desired,
		Created: st.opts.Start.Add(-workloadAge)})
	rps = roundTo(rps*(0.8+0.4*st.rng.Float64()), 1)
	st.wl = append(st.wl, wlInfo{hash: st.suffix(10), port: port, base: rps, rps: rps, ci: ci})
	i := len(st.inv.Workloads) - 1
	st.wlKey[c.name+"/"+ns+"/"+name] = i
	return i
}

// schedulable lists the nodes of a cluster that accept pods, optionally in one zone.
func (st *state) schedulable(cluster, zone string) []int {
	var out []int
	for i := range st.inv.Nodes {
		n := &st.inv.Nodes[i]
		if n.Cluster == cluster && n.Ready && !n.Unschedulable && !n.Draining && (zone == "" || n.Zone == zone) {
			out = append(out, i)
		}
	}
	return out
}

// placePod creates a Running pod of workload w on node ni (-1: Pending).
func (st *state) placePod(w int, name string, ni int, created time.Time) {
	wl := &st.inv.Workloads[w]
	st.seq++
	p := pod{wl: w, gen: st.seq, Pod: providers.Pod{
		Namespace: wl.Namespace, Name: name, Cluster: wl.Cluster, Owner: wl.Kind + "/" + wl.Name, Created: created,
	}}
	if ni < 0 {
		p.Phase = "Pending"
	} else {
		n := &st.inv.Nodes[ni]
		p.Phase, p.Ready, p.Node = "Running", n.Ready, n.Name
		p.IP = ipString(st.alloc(n.Subnet, 1))
	}
	p.Images = st.podImages(w, p.Phase == "Running", true) // none before genImages
	st.pods = append(st.pods, p)
}

// deploymentPodName is NAME-HASH-XXXXX.
func (st *state) deploymentPodName(w int) string {
	return st.inv.Workloads[w].Name + "-" + st.wl[w].hash + "-" + st.suffix(5)
}

func (st *state) podAge() time.Time {
	return st.opts.Start.Add(-time.Duration(10+st.rng.IntN(14*24*60)) * time.Minute)
}

func (st *state) genWorkloads() {
	// Replica counts: the services' own, or scaled to Options.Pods.
	base := make([]int, len(services))
	sum := 0
	for i, s := range services {
		base[i] = s.replicas
		sum += s.replicas
	}
	replicasFor := func(ci int) []int {
		if st.opts.Pods <= 0 {
			return base
		}
		// the Pending pod and the DaemonSets' pods, less the fluent-bit
		// pod missing from one node
		fixed := 1 + len(daemonSets)*len(st.inv.Nodes) - 1
		for _, s := range statefulSets {
			if s.region == "" {
				fixed += s.replicas * len(st.cl)
			} else {
				fixed += s.replicas
			}
		}
		rest := max(0, st.opts.Pods-fixed)
		want := max(len(services), rest/len(st.cl))
		if ci < rest%len(st.cl) {
			want++
		}
		out := make([]int, len(services))
		total := 0
		for i, r := range base {
			out[i] = max(1, r*want/sum)
			total += out[i]
		}
		for i := 0; total < want; i = (i + 1) % len(out) {
			out[i]++
			total++
		}
		return out
	}
	load := make([]int, len(st.inv.Nodes))
	st.pods = make([]pod, 0, max(st.opts.Pods, 600)+16)
	lost := -1 // the fluent-bit pod one node of the first cluster has lost
	for ci, c := range st.cl {
		nodes := st.schedulable(c.name, "")
		// The less loaded of two random nodes: a cheap, even spread.
		pick := func() int {
			a, b := nodes[st.rng.IntN(len(nodes))], nodes[st.rng.IntN(len(nodes))]
			if load[b] < load[a] {
				a = b
			}
			load[a]++
			return a
		}
		replicas := replicasFor(ci)
		for si, s := range services {
			r := replicas[si]
			w := st.addWorkload(ci, kindDeployment, s.ns, s.name, r, 8080, s.rps)
			for k := 0; k < r; k++ {
				st.placePod(w, st.deploymentPodName(w), pick(), st.podAge())
			}
			if ci == 0 && s.name == "model-serving" {
				// One replica that asks for a GPU no node has.
				st.inv.Workloads[w].Desired++
				st.placePod(w, st.deploymentPodName(w), -1, st.opts.Start.Add(-7*time.Minute))
			}
			if ci == 0 && s.name == "recommendations" {
				st.crashWL = w
			}
		}
		for _, s := range statefulSets {
			if s.region != "" && s.region != c.region {
				continue
			}
			w := st.addWorkload(ci, kindStatefulSet, s.ns, s.name, s.replicas, s.port, 0)
			for k := 0; k < s.replicas; k++ {
				zn := st.schedulable(c.name, c.zones[k%len(c.zones)])
				st.placePod(w, s.name+"-"+strconv.Itoa(k), zn[st.rng.IntN(len(zn))], st.podAge())
			}
		}
		for _, d := range daemonSets {
			w := st.addWorkload(ci, kindDaemonSet, d.ns, d.name, len(nodes), 9100, 0)
			for k, ni := range nodes {
				st.placePod(w, d.name+"-"+st.suffix(5), ni, st.inv.Nodes[ni].Created.Add(time.Minute))
				if ci == 0 && d.name == "fluent-bit" && k == len(nodes)-1 {
					lost = len(st.pods) - 1
				}
			}
		}
	}
	// A few pods have restarted over their lifetime.
	for i := range st.pods {
		if st.pods[i].Phase == "Running" && st.rng.IntN(12) == 0 {
			st.pods[i].Restarts = 1 + st.rng.IntN(3)
		}
	}
	// One node of the first cluster lost its log shipper: a missing agent,
	// a problem on its node. (Removed after the draws above, so that the
	// rest of the demo is the same as without it.)
	if lost >= 0 {
		st.pods = slices.Delete(st.pods, lost, lost+1)
	}
	// The crash-looping pod starts in CrashLoopBackOff.
	if p := st.firstPod(st.crashWL); p != nil {
		p.Restarts = 14
		p.Ready = false
		p.Reason = "CrashLoopBackOff"
	}
}

// firstPod returns the first running pod of workload w, or nil.
func (st *state) firstPod(w int) *pod {
	for i := range st.pods {
		if st.pods[i].wl == w && st.pods[i].Phase == "Running" {
			return &st.pods[i]
		}
	}
	return nil
}

// --- load balancers ---

// lbName builds an AWS Load Balancer Controller style name (at most 32 characters).
func (st *state) lbName(ns, svc string) string {
	p := "k8s-" + ns + "-" + svc
	if len(p) > 21 {
		p = p[:21]
	}
	return strings.TrimRight(p, "-") + "-" + st.hexN(10)
}

func (st *state) genLoadBalancers() {
	for _, c := range st.cl {
		w := st.wlKey[c.name+"/shop/frontend"]
		name := "demo-edge-" + c.short
		st.inv.LoadBalancers = append(st.inv.LoadBalancers, providers.LoadBalancer{
			Name: name, Region: c.region, Type: "application", Scheme: "internet-facing",
			DNSName: name + "-" + strconv.Itoa(1000000000+st.rng.IntN(999999999)) + "." + c.region + ".elb.amazonaws.com",
			Zones:   append([]string(nil), c.zones...), SSLTermination: true,
			Listeners: []providers.Listener{{Protocol: "HTTPS", Port: 443}, {Protocol: "HTTP", Port: 80}},
		})
		st.lbs = append(st.lbs, lbInfo{wl: w, port: 8080, tgName: "demo-edge-" + c.short + "-frontend"})
	}
	// 33 more: the public services first, then a seeded pick of the others.
	var names []string
	isPublic := map[string]bool{}
	for _, n := range publicServices {
		names = append(names, n)
		isPublic[n] = true
	}
	for _, i := range st.rng.Perm(len(services)) {
		if s := services[i]; !isPublic[s.name] && s.name != "frontend" {
			names = append(names, s.name)
		}
	}
	names = names[:33]
	for i, svc := range names {
		c := st.cl[i%len(st.cl)]
		var ns string
		for _, s := range services {
			if s.name == svc {
				ns = s.ns
			}
		}
		w := st.wlKey[c.name+"/"+ns+"/"+svc]
		name := st.lbName(ns, svc)
		lb := providers.LoadBalancer{Name: name, Region: c.region, Zones: append([]string(nil), c.zones...)}
		switch {
		case isPublic[svc]:
			lb.Type, lb.Scheme, lb.SSLTermination = "application", "internet-facing", true
			lb.Listeners = []providers.Listener{{Protocol: "HTTPS", Port: 443}, {Protocol: "HTTP", Port: 80}}
			lb.DNSName = name + "-" + strconv.Itoa(1000000000+st.rng.IntN(999999999)) + "." + c.region + ".elb.amazonaws.com"
		case st.rng.IntN(3) == 0:
			lb.Type, lb.Scheme = "network", "internal"
			lb.Listeners = []providers.Listener{{Protocol: "TCP", Port: 8080}}
			lb.DNSName = name + "-" + st.hexN(16) + ".elb." + c.region + ".amazonaws.com"
		default:
			lb.Type, lb.Scheme = "application", "internal"
			lb.Listeners = []providers.Listener{{Protocol: "HTTP", Port: 80}}
			lb.DNSName = "internal-" + name + "-" + strconv.Itoa(1000000000+st.rng.IntN(999999999)) + "." + c.region + ".elb.amazonaws.com"
		}
		st.inv.LoadBalancers = append(st.inv.LoadBalancers, lb)
		st.lbs = append(st.lbs, lbInfo{wl: w, port: 8080, tgName: st.lbName(ns, svc)})
	}
}

// --- databases ---

func (st *state) genDatabases() {
	member := func(podName, role string, port int) providers.Member {
		m := providers.Member{Name: podName, Role: role, Healthy: true}
		for i := range st.pods {
			if st.pods[i].Name == podName {
				m.Address = st.pods[i].IP + ":" + strconv.Itoa(port)
				for _, n := range st.inv.Nodes {
					if n.Name == st.pods[i].Node {
						m.Zone = n.Zone
					}
				}
			}
		}
		if role == providers.RoleReplica {
			m.LagSeconds = roundTo(0.05+st.rng.Float64()*1.5, 2)
		}
		return m
	}
	mongo := providers.Database{Name: "orders-mongo", Engine: "mongodb", Region: "us-east-1", Status: "available",
		Endpoint: "mongodb://orders-mongo-0.orders-mongo.data.svc:27017,orders-mongo-1.orders-mongo.data.svc:27017,orders-mongo-2.orders-mongo.data.svc:27017/?replicaSet=rs0"}
	mongo.Members = []providers.Member{
		member("orders-mongo-0", providers.RolePrimary, 27017), member("orders-mongo-1", providers.RoleReplica, 27017),
		member("orders-mongo-2", providers.RoleReplica, 27017), member("orders-mongo-arbiter-0", providers.RoleArbiter, 27017),
	}
	redis := providers.Database{Name: "sessions-redis", Engine: "redis", Region: "eu-west-1", Status: "available",
		Endpoint: "sentinel://sessions-sentinel.data.svc:26379/mymaster"}
	redis.Members = []providers.Member{
		member("sessions-redis-0", providers.RolePrimary, 6379), member("sessions-redis-1", providers.RoleReplica, 6379),
		member("sessions-redis-2", providers.RoleReplica, 6379),
		member("sessions-sentinel-0", providers.RoleSentinel, 26379), member("sessions-sentinel-1", providers.RoleSentinel, 26379),
		member("sessions-sentinel-2", providers.RoleSentinel, 26379),
	}
	pilosa := providers.Database{Name: "analytics-pilosa", Engine: "pilosa", Region: "eu-west-1", Status: "available",
		Endpoint: "http://pilosa.data.svc:10101"}
	for k := 0; k < 4; k++ {
		pilosa.Members = append(pilosa.Members, member("pilosa-"+strconv.Itoa(k), providers.RoleNode, 10101))
	}
	aurora := providers.Database{Name: "payments-aurora", Engine: "aurora-postgresql", Region: "us-east-1", Status: "available",
		Endpoint: "payments-aurora.cluster-" + st.hexN(12) + ".us-east-1.rds.amazonaws.com:5432"}
	for k := 1; k <= 3; k++ {
		role := providers.RoleReplica
		if k == 1 {
			role = providers.RolePrimary
		}
		m := providers.Member{Name: "payments-aurora-instance-" + strconv.Itoa(k), Role: role, Healthy: true,
			Zone: "us-east-1" + string(rune('a'+k-1)), Address: ipString(uint32(10)<<24|uint32(64*k)<<8|uint32(200+k)) + ":5432"}
		if role == providers.RoleReplica {
			m.LagSeconds = roundTo(0.01+st.rng.Float64()*0.03, 3)
		}
		aurora.Members = append(aurora.Members, m)
	}
	sizes := map[string]float64{"orders-mongo": 48200, "sessions-redis": 3100, "analytics-pilosa": 126000, "payments-aurora": 212000}
	for _, db := range []*providers.Database{&mongo, &redis, &pilosa, &aurora} {
		day := time.Date(st.opts.Start.Year(), st.opts.Start.Month(), st.opts.Start.Day(), 3, 0, 0, 0, time.UTC)
		if day.After(st.opts.Start) {
			day = day.AddDate(0, 0, -1)
		}
		for d := 6; d >= 0; d-- {
			t := day.AddDate(0, 0, -d).Add(time.Duration(st.rng.IntN(20)) * time.Minute)
			db.Backups = append(db.Backups, providers.Backup{ID: backupID(db, t), Time: t, Status: "completed",
				SizeMiB: roundTo(sizes[db.Name]*(1-0.004*float64(d))*(0.99+0.02*st.rng.Float64()), 1)})
		}
		db.LastBackup = db.Backups[len(db.Backups)-1].Time
		st.setMemberStatus(db)
		st.inv.Databases = append(st.inv.Databases, *db)
	}
}

func backupID(db *providers.Database, t time.Time) string {
	if strings.HasPrefix(db.Engine, "aurora") {
		return "rds:" + db.Name + "-" + t.UTC().Format("2006-01-02-15-04")
	}
	return db.Name + "-" + t.UTC().Format("20060102-1504")
}

// setMemberStatus sets each member's engine-specific status word from its role.
func (st *state) setMemberStatus(db *providers.Database) {
	for i := range db.Members {
		m := &db.Members[i]
		switch db.Engine {
		case "mongodb":
			m.Status = map[string]string{providers.RolePrimary: "PRIMARY", providers.RoleReplica: "SECONDARY", providers.RoleArbiter: "ARBITER"}[m.Role]
		case "redis":
			m.Status = map[string]string{providers.RolePrimary: "master", providers.RoleReplica: "slave (link up)", providers.RoleSentinel: "sentinel (monitoring mymaster)"}[m.Role]
		case "pilosa":
			m.Status = "NORMAL"
		default:
			m.Status = map[string]string{providers.RolePrimary: "writer", providers.RoleReplica: "reader"}[m.Role]
		}
		if !m.Healthy {
			m.Status = "down"
		}
	}
}

func roundTo(v float64, places int) float64 {
	p := 1.0
	for i := 0; i < places; i++ {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// --- events ---

func (st *state) genEvents() {
	t := st.opts.Start
	if p := st.firstPod(st.crashWL); p != nil {
		st.event(t.Add(-40*time.Second), "Warning", "BackOff", "Pod", p.Cluster, p.Namespace, p.Name,
			"Back-off restarting failed container recommendations in pod "+p.Name)
	}
	for i := range st.pods {
		p := &st.pods[i]
		if p.Phase == "Pending" {
			nodes := strconv.Itoa(len(st.schedulable(p.Cluster, "")))
			st.event(t.Add(-2*time.Minute), "Warning", "FailedScheduling", "Pod", p.Cluster, p.Namespace, p.Name,
				"0/"+nodes+" nodes are available: "+nodes+" Insufficient nvidia.com/gpu. preemption: 0/"+nodes+" nodes are available: "+nodes+" No preemption victims found for incoming pod.")
		}
	}
	if w, ok := st.wlKey[st.cl[0].name+"/search/search"]; ok {
		if p := st.firstPod(w); p != nil {
			st.event(t.Add(-3*time.Minute), "Warning", "Unhealthy", "Pod", p.Cluster, p.Namespace, p.Name,
				"Readiness probe failed: Get \"http://"+p.IP+":8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
		}
	}
	st.event(t.Add(-9*time.Minute), "Normal", "ScalingReplicaSet", "Deployment", st.cl[0].name, "shop", "checkout",
		"Scaled up replica set checkout-"+st.wl[st.wlKey[st.cl[0].name+"/shop/checkout"]].hash+" to 4")
	slices.SortStableFunc(st.inv.Events, func(a, b providers.Event) int { return a.Time.Compare(b.Time) })
}

// maxEvents bounds the event list.
const maxEvents = 200

// event records an event about kind/namespace/name.
func (st *state) event(t time.Time, typ, reason, kind, cluster, ns, name, msg string) {
	obj := kind + "/" + name
	if ns != "" {
		obj = kind + "/" + ns + "/" + name
	}
	st.inv.Events = append(st.inv.Events, providers.Event{Time: t, Type: typ, Reason: reason, Object: obj, Message: msg, Cluster: cluster, Namespace: ns})
	if n := len(st.inv.Events); n > maxEvents {
		st.inv.Events = append(st.inv.Events[:0:0], st.inv.Events[n-maxEvents:]...)
	}
}
