package pages

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewClaims returns the PersistentVolumeClaims view: status, storage
// class, capacity, usage (where the kubelet reports it), the bound
// volume, access modes and the pod using each claim; enter goes to that pod.
func NewClaims(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAMESPACE", Width: 10, Priority: 7}, {Title: "NAME", Width: 18, Grow: true, Max: 48, Priority: 10, Middle: true},
		{Title: "STATUS", Width: 9, Priority: 9}, {Title: "CLASS", Width: 6, Priority: 6},
		{Title: "CAPACITY", Width: 8, Right: true, Priority: 8}, {Title: "USED", Width: 10, Right: true, Priority: 8},
		{Title: "VOLUME", Width: 14, Grow: true, Max: 44, Priority: 2, Middle: true}, {Title: "ACCESS", Width: 6, Priority: 3},
		{Title: "POD", Width: 14, Grow: true, Max: 48, Priority: 5, Middle: true}, {Title: "AGE", Width: 4, Right: true, Priority: 1},
	}
	return rowKind[providers.VolumeClaim]{Name: "pvc", Title: "PVCs", Columns: cols,
		Items:  func(inv *providers.Inventory) []providers.VolumeClaim { return inv.VolumeClaims },
		Row:    claimRow,
		Select: claimSelection,
		Keys: func(k *common.KeyMap) []key.Binding {
			return []key.Binding{k.Enter, k.Detail, k.YAML, k.Delete, k.Sort}
		},
	}.page(ctx)
}

// claimHealth: Lost is bad; Pending, or over providers.VolumeFullPercent
// used, is a warning (the header counts only databases' full volumes).
func claimHealth(c *providers.VolumeClaim) int {
	switch {
	case c.Phase == "Lost":
		return providers.HealthBad
	case c.Phase == "Pending", c.Phase == "Terminating", c.AsVolume("").Full():
		return providers.HealthWarn
	}
	return providers.HealthOK
}

// gibText is a size as kubectl prints a round one: "50Gi", "1.5Gi".
func gibText(v float64) string {
	if v == float64(int64(v)) {
		return fmt.Sprintf("%dGi", int64(v))
	}
	return fmt.Sprintf("%.1fGi", v)
}

// usedText is "12.3Gi 24%", "?" when the usage is unknown.
func usedText(c *providers.VolumeClaim) string {
	if !c.UsageKnown {
		return "?"
	}
	s := fmt.Sprintf("%.1fGi", c.UsedGiB)
	if p := c.AsVolume("").UsedPercent(); p >= 0 {
		s += fmt.Sprintf(" %.0f%%", p)
	}
	return s
}

func claimRow(in *Input, c *providers.VolumeClaim) (table.Row, string) {
	h := claimHealth(c)
	ns, name, pods := san(c.Namespace), san(c.Name), podsText(c.Pods)
	return table.Row{
		Key: kubeKey("pvc", c.Cluster, c.Namespace, c.Name),
		Cells: []string{ns, name, glyph(h) + " " + san(c.Phase), san(c.StorageClass), gibText(c.CapacityGiB), usedText(c),
			san(c.Volume), strings.Join(c.ShortAccessModes(), ","), pods, age(in.Now, c.Created)},
		Health: h,
	}, ns + "/" + name + " " + san(c.Phase) + " " + san(c.StorageClass) + " " + san(c.Volume) + " " + pods
}

func claimSelection(in *Input, c *providers.VolumeClaim) Selection {
	var f fields
	f.add("kind", "PersistentVolumeClaim")
	f.add("namespace", c.Namespace)
	f.add("name", c.Name)
	f.addIf("cluster", c.Cluster)
	f.add("status", common.Health(claimHealth(c))+" "+c.Phase)
	f.add("storage_class", c.StorageClass)
	f.add("capacity", gibText(c.CapacityGiB)+" (requested "+gibText(c.RequestGiB)+")")
	f.add("used", usedText(c))
	f.add("volume", c.Volume)
	f.addIf("reclaim_policy", c.ReclaimPolicy)
	f.addIf("driver", c.Driver)
	f.add("access_modes", strings.Join(c.AccessModes, ", "))
	f.addIf("volume_mode", c.VolumeMode)
	f.add("mounted_by", "")
	for _, p := range c.Pods {
		f.sub(p, c.MountPath)
	}
	f.add("created", stamp(c.Created)+" ("+age(in.Now, c.Created)+" ago)")
	sel := Selection{
		Key:    kubeKey("pvc", c.Cluster, c.Namespace, c.Name),
		Detail: detail.Content{Title: "pvc " + c.Namespace + "/" + c.Name, Fields: f},
		Events: eventsFor(in.Inv, in.Now, "PersistentVolumeClaim", c.Namespace, c.Name),
		Kube:   &providers.KubeObject{Cluster: c.Cluster, Resource: "persistentvolumeclaims", Namespace: c.Namespace, Name: c.Name},
		// ctrl+d its delete (the source's delete of any kind discovery knows)
		Refs: []actions.Ref{{Kind: "persistentvolumeclaims", Cluster: c.Cluster, Namespace: c.Namespace, Name: c.Name}},
	}
	if len(c.Pods) > 0 {
		name := san(c.Namespace) + "/" + san(c.Pods[0])
		sel.Jump = &ProblemTarget{Page: "pods", Kind: "pod", Name: name, What: "pod " + name + " mounting pvc " + san(c.Name), Context: c.Cluster}
	}
	return sel
}
