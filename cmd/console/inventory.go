package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opsconsole/console/internal/sanitize"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/providers/schedule"
	"github.com/opsconsole/console/traces"
)

func newInventoryCmd(a *app) *cobra.Command {
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "inventory",
		Short: "Print the topology snapshot and exit (a tree, or JSON with --json)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := a.settings()
			if err != nil {
				return err
			}
			snap, err := waitSnapshot(cmd.Context(), s, timeout)
			if err != nil {
				return err
			}
			if asJSON {
				out := inventoryJSON{Inventory: normalize(snap.Inv), Schedules: schedules(snap.Inv, tuiStacks(s), time.Now())}
				if err := sanitize.EncodeJSON(a.stdout, out); err != nil {
					return fmt.Errorf("write inventory: %w", err)
				}
			} else {
				printTree(a.stdout, snap.Inv)
			}
			for _, src := range snap.Inv.Sources {
				if src.Status == providers.StatusError || src.Status == providers.StatusPending {
					return fmt.Errorf("source %s: %s %s", src.Name, src.Status, src.Error)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (documented in docs/inventory-json.md)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "how long to wait for every source")
	return cmd
}

// inventoryJSON is the inventory with what is computed when it is printed:
// the schedules' state at that time (docs/inventory-json.md).
type inventoryJSON struct {
	*providers.Inventory
	Schedules []schedule.Status `json:"schedules"`
}

// normalize returns a copy of inv whose nil slices are empty, so that the
// JSON has [] rather than null.
func normalize(inv *providers.Inventory) *providers.Inventory {
	c := *inv
	if c.Sources == nil {
		c.Sources = []providers.SourceStatus{}
	}
	if c.Regions == nil {
		c.Regions = []providers.Region{}
	}
	if c.Zones == nil {
		c.Zones = []providers.Zone{}
	}
	if c.VPCs == nil {
		c.VPCs = []providers.VPC{}
	}
	if c.Subnets == nil {
		c.Subnets = []providers.Subnet{}
	}
	if c.AutoscalingGroups == nil {
		c.AutoscalingGroups = []providers.AutoscalingGroup{}
	}
	if slices.ContainsFunc(c.AutoscalingGroups, func(g providers.AutoscalingGroup) bool { return g.ScheduledActions == nil }) {
		c.AutoscalingGroups = slices.Clone(c.AutoscalingGroups) // the snapshot's own is immutable
		for i := range c.AutoscalingGroups {
			if c.AutoscalingGroups[i].ScheduledActions == nil {
				c.AutoscalingGroups[i].ScheduledActions = []providers.ScheduledAction{}
			}
		}
	}
	if c.Instances == nil {
		c.Instances = []providers.Instance{}
	}
	if c.Nodes == nil {
		c.Nodes = []providers.Node{}
	}
	if slices.ContainsFunc(c.Nodes, func(n providers.Node) bool { return n.Agents == nil }) {
		c.Nodes = slices.Clone(c.Nodes)
		for i := range c.Nodes {
			if c.Nodes[i].Agents == nil {
				c.Nodes[i].Agents = []providers.Agent{}
			}
		}
	}
	if c.Pods == nil {
		c.Pods = []providers.Pod{}
	}
	if c.Workloads == nil {
		c.Workloads = []providers.Workload{}
	}
	if c.Services == nil {
		c.Services = []providers.Service{}
	}
	if c.VolumeClaims == nil {
		c.VolumeClaims = []providers.VolumeClaim{}
	}
	if c.Events == nil {
		c.Events = []providers.Event{}
	}
	if c.LoadBalancers == nil {
		c.LoadBalancers = []providers.LoadBalancer{}
	}
	if c.Databases == nil {
		c.Databases = []providers.Database{}
	}
	if c.Traces == nil {
		c.Traces = []traces.TraceSummary{}
	}
	if c.Hidden == nil {
		c.Hidden = []providers.Hidden{}
	}
	if c.Alarms == nil {
		c.Alarms = []providers.Alarm{}
	}
	if c.SecurityGroups == nil {
		c.SecurityGroups = []providers.SecurityGroup{}
	}
	if c.NetworkACLs == nil {
		c.NetworkACLs = []providers.NetworkACL{}
	}
	if c.RouteTables == nil {
		c.RouteTables = []providers.RouteTable{}
	}
	if c.Distributions == nil {
		c.Distributions = []providers.Distribution{}
	}
	c.ImageRepositories = slices.Clone(c.ImageRepositories)
	if c.ImageRepositories == nil {
		c.ImageRepositories = []providers.ImageRepository{}
	}
	for i := range c.ImageRepositories {
		r := &c.ImageRepositories[i]
		r.Images = slices.Clone(r.Images)
		if r.Images == nil {
			r.Images = []providers.Image{}
		}
		for j := range r.Images {
			if r.Images[j].Tags == nil {
				r.Images[j].Tags = []string{}
			}
			if r.Images[j].Findings == nil {
				r.Images[j].Findings = []providers.FindingSeverity{}
			}
		}
	}
	if slices.ContainsFunc(c.Pods, func(p providers.Pod) bool { return p.Images == nil }) {
		c.Pods = slices.Clone(c.Pods)
		for i := range c.Pods {
			if c.Pods[i].Images == nil {
				c.Pods[i].Images = []providers.ContainerImage{}
			}
		}
	}
	return &c
}

// printTree writes the readable topology: the tree, then load balancers and
// databases. Pods are summarised per node to keep the output readable.
func printTree(w io.Writer, inv *providers.Inventory) {
	for _, s := range inv.Sources {
		line := fmt.Sprintf("source %s: %s", s.Name, s.Status)
		if s.Error != "" {
			line += " (" + s.Error + ")"
		}
		fmt.Fprintln(w, sanitize.Line(line))
	}
	type item struct {
		n     *providers.TreeNode
		depth int
	}
	var stack []item
	roots := providers.BuildTopology(inv)
	for i := len(roots) - 1; i >= 0; i-- {
		stack = append(stack, item{roots[i], 0})
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := it.n
		line := strings.Repeat("  ", it.depth) + n.Kind + " " + n.Name
		if n.Detail != "" {
			line += " [" + n.Detail + "]"
		}
		if n.Kind != providers.KindPod {
			line += fmt.Sprintf(" nodes=%d pods=%d not_ready=%d health=%s", n.Nodes, n.Pods, n.BadPods, providers.HealthWord(n.Health))
		}
		fmt.Fprintln(w, sanitize.Line(line))
		if n.Kind == providers.KindNode {
			continue // pods are counted on the node line
		}
		for i := len(n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{n.Children[i], it.depth + 1})
		}
	}
	for _, lb := range inv.LoadBalancers {
		fmt.Fprintln(w, sanitize.Line(fmt.Sprintf("load_balancer %s %s %s %s targets=%d/%d healthy", lb.Region, lb.Name, lb.Type, lb.Scheme, lb.TargetsHealthy, lb.TargetsTotal)))
	}
	for _, db := range inv.Databases {
		fmt.Fprintln(w, sanitize.Line(fmt.Sprintf("database %s (%s)", db.Name, db.Engine)))
		for _, m := range db.Members {
			h := "healthy"
			if !m.Healthy {
				h = "unhealthy"
			}
			fmt.Fprintln(w, sanitize.Line(fmt.Sprintf("  %s %s %s lag=%.1fs", m.Name, m.Role, h, m.LagSeconds)))
		}
	}
	for _, a := range inv.Alarms {
		fmt.Fprintln(w, sanitize.Line(fmt.Sprintf("alarm %s %s %s watches=%s/%s", a.Region, a.Name, a.State, a.ObjectKind, a.Object)))
	}
}
