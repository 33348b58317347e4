package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"k8s.io/client-go/kubernetes"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/kube/podlogs"
	"github.com/opsconsole/console/ui/pages"
	"github.com/opsconsole/console/ui/podlog"
	"github.com/opsconsole/console/ui/traceview"
)

// logSource reaches the pod logs of the clusters (nil in the shell: no
// Kubernetes source).
type logSource interface {
	// Logs returns the stream and container functions of a cluster (a
	// kube context; "" the only one).
	Logs(cluster string) (podlog.StreamFunc, podlog.ContainersFunc, bool)
}

// kubeClient is what a Kubernetes provider offers for logs.
type kubeClient interface {
	Context() string
	Client() kubernetes.Interface
}

// kubeLogs finds the cluster's client among the store's providers and
// the readers of their clusters (the demo's).
type kubeLogs struct{ provs func() []providers.Provider }

// Logs implements logSource.
func (k kubeLogs) Logs(cluster string) (podlog.StreamFunc, podlog.ContainersFunc, bool) {
	var found []kubeClient
	add := func(v any) {
		if kc, ok := v.(kubeClient); ok && (cluster == "" || kc.Context() == cluster) {
			found = append(found, kc)
		}
	}
	for _, p := range k.provs() {
		add(p)
		if rs, ok := p.(providers.KubeReaderSet); ok {
			for _, r := range rs.KubeReaders() {
				add(r)
			}
		}
	}
	if len(found) != 1 {
		return nil, nil, false
	}
	c := found[0].Client()
	return func(ctx context.Context, req podlogs.Request, deliver func([]podlogs.Line)) error {
			return podlogs.Stream(ctx, c, req, deliver)
		}, func(ctx context.Context, ns, pod string) ([]string, error) {
			return podlogs.Containers(ctx, c, ns, pod)
		}, true
}

// logTarget is what l opens logs of: a pod, a workload's pods, a node's pods.
type logTarget struct {
	title   string
	cluster string
	targets []podlogs.Target
}

// logTargetOf resolves the selection's first pod, workload or node to the
// pods of the current snapshot.
func (m *Model) logTargetOf(sel pages.Selection) (logTarget, string) {
	if m.snap == nil {
		return logTarget{}, "no data yet"
	}
	pods := m.snap.Inv.Pods
	for _, r := range sel.Refs {
		var keep func(p *providers.Pod) bool
		switch r.Kind {
		case "pod":
			keep = func(p *providers.Pod) bool { return p.Namespace == r.Namespace && p.Name == r.Name }
		case "deployment", "statefulset", "daemonset", "replicaset", "job":
			owner := map[actions.Kind]string{"deployment": "Deployment", "statefulset": "StatefulSet", "daemonset": "DaemonSet",
				"replicaset": "ReplicaSet", "job": "Job"}[r.Kind] + "/" + r.Name
			keep = func(p *providers.Pod) bool { return p.Namespace == r.Namespace && p.Owner == owner }
		case "node":
			keep = func(p *providers.Pod) bool { return p.Node == r.Name }
		default:
			continue
		}
		t := logTarget{title: string(r.Kind) + " " + strings.TrimPrefix(r.Namespace+"/"+r.Name, "/"), cluster: r.Cluster}
		for i := range pods {
			p := &pods[i]
			if (r.Cluster == "" || p.Cluster == r.Cluster) && keep(p) {
				t.targets = append(t.targets, podlogs.Target{Namespace: p.Namespace, Pod: p.Name})
			}
		}
		if len(t.targets) == 0 {
			return logTarget{}, "no pods of " + t.title + " in the current view"
		}
		return t, ""
	}
	return logTarget{}, ""
}

// maxLogPods bounds how many pods one logs view follows (a node's or a
// large workload's): beyond that, the first ones by name.
const maxLogPods = 50

// openLogs opens the logs view on t.
func (m *Model) openLogs(t logTarget, o podlog.Options) tea.Cmd {
	if m.d.logs == nil {
		m.setMsg("logs: no Kubernetes source", true)
		return nil
	}
	stream, ctrs, ok := m.d.logs.Logs(t.cluster)
	if !ok {
		if t.cluster == "" { // a span's pod the current view does not show
			m.setMsg("logs: "+t.title+": its pod is not in the current view, so its context is unknown", true)
			return nil
		}
		m.setMsg("logs: no Kubernetes source for cluster "+t.cluster, true)
		return nil
	}
	slices.SortFunc(t.targets, func(a, b podlogs.Target) int { return strings.Compare(a.Pod, b.Pod) })
	if len(t.targets) > maxLogPods {
		m.setMsg("following the first 50 pods of "+t.title, false)
		t.targets = t.targets[:maxLogPods]
	}
	if m.logv != nil {
		m.logv.Close()
	}
	o.Title, o.Targets, o.Stream, o.Containers = t.title, t.targets, stream, ctrs
	o.MaxLines = m.d.logLines
	m.logv = podlog.New(m.ctx, o)
	m.mode = modeLogs
	m.layout()
	return m.logv.Start()
}

// closeLogs closes the logs view and stops its stream, back to the trace
// view when they were opened from one of its spans.
func (m *Model) closeLogs() {
	if m.logv != nil {
		m.logv.Close()
		m.logv = nil
	}
	m.mode = modeNormal
	if m.tracev != nil {
		m.mode = modeTrace
	}
	m.layout()
}

// logsKey handles a key while the logs view is open.
func (m *Model) logsKey(k tea.KeyPressMsg) tea.Cmd {
	if !m.logv.Searching() {
		switch k.String() {
		case "?":
			m.openHelp()
			return nil
		case "esc", "q":
			m.closeLogs()
			return nil
		}
	}
	cmd, _ := m.logv.Update(k)
	return cmd
}

// spanPod finds the namespace and context of the pod a span names among
// pods: the span's k8s.namespace.name (else the pod's), and the context
// holding a pod of that name and namespace: the one k8s.cluster.name
// names if it names one of them (the attribute is the instrumentation's
// own name, not always a kube context), else the only one ("" when
// several contexts hold such a pod or none does), and the contexts
// holding it.
func spanPod(pods []providers.Pod, msg traceview.LogsMsg) (namespace, cluster string, holders []string) {
	namespace = msg.Namespace
	var clusters []string
	for i := range pods {
		p := &pods[i]
		if p.Name != msg.Pod || (msg.Namespace != "" && p.Namespace != msg.Namespace) {
			continue
		}
		if namespace == "" {
			namespace = p.Namespace
		}
		if p.Namespace == namespace && !slices.Contains(clusters, p.Cluster) {
			clusters = append(clusters, p.Cluster)
		}
	}
	switch {
	case msg.Cluster != "" && slices.Contains(clusters, msg.Cluster):
		return namespace, msg.Cluster, clusters
	case len(clusters) == 1:
		return namespace, clusters[0], clusters
	}
	return namespace, "", clusters
}

// spanLogsWindow is how far before and after a span its pod's logs are read.
const spanLogsWindow = 30 * time.Second

// handleLogsMsg handles the logs view's messages and the trace view's
// request for a span's logs; it reports whether msg was one of them.
func (m *Model) handleLogsMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case podlog.OpenTraceMsg:
		return m.openTrace(msg.ID), true
	case traceview.LogsMsg:
		t := logTarget{title: "pod " + strings.TrimPrefix(msg.Namespace+"/"+msg.Pod, "/") + " around span " + msg.SpanID}
		ns := msg.Namespace
		var holders []string
		if m.snap != nil {
			ns, t.cluster, holders = spanPod(m.snap.Inv.Pods, msg)
		}
		if t.cluster == "" && len(holders) > 1 {
			m.setMsg("span's pod "+ns+"/"+msg.Pod+" is in several contexts ("+strings.Join(holders, ", ")+
				") and its k8s.cluster.name names none of them: open its logs from the Pods view", true)
			return nil, true
		}
		if ns == "" {
			m.setMsg("span names pod "+msg.Pod+" but no namespace (k8s.namespace.name) and the pod is not in the current view", true)
			return nil, true
		}
		t.targets = []podlogs.Target{{Namespace: ns, Pod: msg.Pod}}
		// the trace view stays open under the logs: esc goes back to the
		// span, for the next one
		return m.openLogs(t, podlog.Options{SinceTime: msg.Start.Add(-spanLogsWindow), Until: msg.End.Add(spanLogsWindow),
			Highlight: msg.TraceID}), true
	}
	if m.logv != nil {
		return m.logv.Update(msg)
	}
	return nil, false
}
