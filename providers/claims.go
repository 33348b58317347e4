package providers

import (
	"net"
	"slices"
	"strings"
)

// Volume roles of a database member (Volume.Mount).
const (
	MountData    = "/data"
	MountJournal = "/journal"
	MountLogs    = "/logs"
)

// MountRole is the role of a volume mounted at path in a database's pod,
// by the convention of the engines' images and charts: a path naming the
// write-ahead log or journal (`wal`, `xlog`, `journal`: PostgreSQL's
// pg_wal, MongoDB's journal) is "/journal", one naming logs (`log`) is
// "/logs", anything else (`/var/lib/postgresql/data`, `/data`,
// `/bitnami/redis`) is "/data".
func MountRole(path string) string {
	p := strings.ToLower(path)
	switch {
	case strings.Contains(p, "wal"), strings.Contains(p, "xlog"), strings.Contains(p, "journal"):
		return MountJournal
	case strings.Contains(p, "log"):
		return MountLogs
	}
	return MountData
}

// podRef names a pod across clusters.
type podRef struct{ cluster, namespace, name string }

// joinClaims gives each database member that runs in a Kubernetes pod the
// volumes of that pod's PersistentVolumeClaims (MountRole of where the pod
// mounts each one). A member is joined to a pod by its address: the host
// is the pod's IP (only when exactly one pod has that IP: pods on the
// host network share their node's) or the pod's DNS name through a
// headless service (POD.SERVICE.NAMESPACE.svc[.cluster.local]). A volume
// the member already reports for that mount (the engine's own reading) is
// kept. The members' slices are copied, never modified in place: they are
// the sources' views.
func joinClaims(inv *Inventory) {
	if len(inv.VolumeClaims) == 0 || len(inv.Databases) == 0 {
		return
	}
	claims := map[podRef][]int{}
	for i := range inv.VolumeClaims {
		c := &inv.VolumeClaims[i]
		for _, pod := range c.Pods {
			k := podRef{c.Cluster, c.Namespace, pod}
			claims[k] = append(claims[k], i)
		}
	}
	byIP := map[string][]podRef{}
	byName := map[[2]string][]podRef{}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		k := podRef{p.Cluster, p.Namespace, p.Name}
		if _, ok := claims[k]; !ok {
			continue
		}
		if p.IP != "" {
			byIP[p.IP] = append(byIP[p.IP], k)
		}
		byName[[2]string{p.Namespace, p.Name}] = append(byName[[2]string{p.Namespace, p.Name}], k)
	}
	// Pods on the host network share an IP: such an address names no pod.
	for i := range inv.Pods {
		p := &inv.Pods[i]
		if refs, ok := byIP[p.IP]; ok && !slices.Contains(refs, podRef{p.Cluster, p.Namespace, p.Name}) {
			byIP[p.IP] = append(refs, podRef{p.Cluster, p.Namespace, p.Name})
		}
	}
	for d := range inv.Databases {
		db := &inv.Databases[d]
		cloned := false
		for m := range db.Members {
			pod, ok := memberPod(db.Members[m].Address, byIP, byName)
			if !ok {
				continue
			}
			var add []Volume
			for _, ci := range claims[pod] {
				c := &inv.VolumeClaims[ci]
				v := c.AsVolume(MountRole(c.MountPath))
				if !slices.ContainsFunc(db.Members[m].Volumes, func(o Volume) bool { return o.Mount == v.Mount }) &&
					!slices.ContainsFunc(add, func(o Volume) bool { return o.Mount == v.Mount }) {
					add = append(add, v)
				}
			}
			if len(add) == 0 {
				continue
			}
			if !cloned {
				db.Members, cloned = slices.Clone(db.Members), true
			}
			mem := &db.Members[m]
			mem.Volumes = append(slices.Clip(mem.Volumes), add...)
			slices.SortStableFunc(mem.Volumes, func(a, b Volume) int { return strings.Compare(a.Mount, b.Mount) })
		}
	}
}

// memberPod is the pod a member's address names, if exactly one.
func memberPod(addr string, byIP map[string][]podRef, byName map[[2]string][]podRef) (podRef, bool) {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	if host == "" {
		return podRef{}, false
	}
	var refs []podRef
	if net.ParseIP(host) != nil {
		refs = byIP[host]
	} else if labels := strings.Split(strings.TrimSuffix(host, "."), "."); len(labels) >= 4 && labels[3] == "svc" {
		refs = byName[[2]string{labels[2], labels[0]}]
	}
	if len(refs) != 1 {
		return podRef{}, false
	}
	return refs[0], true
}
