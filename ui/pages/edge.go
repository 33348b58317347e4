package pages

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewEdge returns the CloudFront view: distributions with their status,
// aliases, origins and certificate expiry; the detail pane shows the
// chain client → CloudFront → load balancer → target group → nodes →
// pods, and enter opens the load balancer behind it.
func NewEdge(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "ID", Width: 14}, {Title: "STATUS", Width: 10}, {Title: "ALIASES", Width: 20, Grow: true, Max: 60},
		{Title: "ORIGIN", Width: 18, Grow: true, Max: 48}, {Title: "CERT", Width: 12},
	}
	p := newListPage(ctx, "edge", "Edge", cols, buildEdge)
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Detail, ctx.Keys.Sort}
	return p
}

func distHealth(in *Input, d *providers.Distribution) int {
	switch {
	case d.CertExpiring(in.Now):
		return providers.HealthBad
	case d.Status != "Deployed" || !d.Enabled:
		return providers.HealthWarn
	default:
		return providers.HealthOK
	}
}

func certText(in *Input, d *providers.Distribution) string {
	switch {
	case d.Certificate == "":
		return "default"
	case d.CertExpires.IsZero():
		return "unknown"
	case d.CertExpires.Before(in.Now):
		return "expired"
	default:
		return "in " + common.Age(d.CertExpires.Sub(in.Now))
	}
}

func originText(d *providers.Distribution) string {
	var out []string
	for _, o := range d.Origins {
		if o.LoadBalancer != "" {
			out = append(out, "lb "+o.LoadBalancer)
		} else {
			out = append(out, o.DomainName)
		}
	}
	return san(strings.Join(out, ", "))
}

func buildEdge(in *Input) *listData {
	inv := in.Inv
	d := &listData{rows: make([]table.Row, len(inv.Distributions)), texts: make([]string, len(inv.Distributions))}
	for i := range inv.Distributions {
		x := &inv.Distributions[i]
		h := distHealth(in, x)
		d.rows[i] = table.Row{Key: "distribution/" + san(x.ID), Health: h,
			Cells: []string{san(x.ID), glyph(h) + " " + san(x.Status), san(strings.Join(x.Aliases, ",")), originText(x), certText(in, x)}}
		d.texts[i] = common.Fold(san(x.ID) + " " + san(strings.Join(x.Aliases, " ")) + " " + originText(x))
	}
	d.sel = func(i int) Selection {
		x := &inv.Distributions[i]
		var f fields
		f.add("kind", "Distribution")
		f.add("id", x.ID)
		f.add("domain_name", x.DomainName)
		f.add("status", x.Status)
		f.add("enabled", yesno(x.Enabled))
		f.addIf("comment", x.Comment)
		f.add("aliases", strings.Join(x.Aliases, ", "))
		f.add("certificate", x.Certificate)
		f.add("cert_expires", stamp(x.CertExpires)+" ("+certText(in, x)+")")
		f.add("chain", "")
		for _, a := range x.Aliases {
			f.sub("client", "https://"+a)
		}
		f.sub("cloudfront", x.ID+" "+x.DomainName)
		sel := Selection{Key: "distribution/" + san(x.ID), Detail: detail.Content{Title: "CloudFront " + x.ID, Fields: f}}
		for _, o := range x.Origins {
			if o.LoadBalancer == "" {
				f.sub("origin "+o.ID, o.DomainName+" (not a known load balancer)")
				continue
			}
			lbChain(&f, inv, o.LoadBalancer, o.Region)
			if sel.Jump == nil {
				sel.Jump = &ProblemTarget{Page: "lb", Kind: "lb", Name: san(o.LoadBalancer), What: "load balancer " + san(o.LoadBalancer) + " behind CloudFront " + san(x.ID)}
			}
		}
		sel.Detail.Fields = f
		return sel
	}
	return d
}

// lbChain adds the part of the chain from a load balancer down: its
// listeners (SSL termination), target groups, targets with their health,
// the node on each target and the pods on that node.
func lbChain(f *fields, inv *providers.Inventory, name, region string) {
	var lb *providers.LoadBalancer
	for i := range inv.LoadBalancers {
		if l := &inv.LoadBalancers[i]; l.Name == name && l.Region == region {
			lb = l
		}
	}
	if lb == nil {
		f.sub("load balancer", name+" (not read)")
		return
	}
	ssl := ""
	if lb.SSLTermination {
		ssl = ", SSL termination"
	}
	f.sub("load balancer", lb.Name+" ("+lb.Region+ssl+")")
	nodeOf := map[string]string{}
	for i := range inv.Instances {
		nodeOf[inv.Instances[i].ID] = inv.Instances[i].Node
	}
	pods, bad := map[string]int{}, map[string]int{}
	for i := range inv.Pods {
		p := &inv.Pods[i]
		pods[p.Node]++
		if providers.PodHealth(p) == providers.HealthBad {
			bad[p.Node]++
		}
	}
	for _, tg := range lb.TargetGroups {
		f.sub("target group", tg.Name+" port "+strconv.Itoa(tg.Port))
		for _, t := range tg.Targets {
			v := t.Health
			if n := nodeOf[t.ID]; n != "" {
				v += " → node " + n + " (" + strconv.Itoa(pods[n]) + " pods, " + strconv.Itoa(bad[n]) + " not ready)"
			}
			f.sub2(t.ID, v)
		}
	}
}

// frontOf lists the CloudFront distributions in front of a load balancer.
func frontOf(inv *providers.Inventory, name, region string) []string {
	var out []string
	for _, d := range inv.Distributions {
		for _, o := range d.Origins {
			if o.LoadBalancer == name && o.Region == region {
				out = append(out, d.ID+" ("+strings.Join(d.Aliases, ", ")+")")
				break
			}
		}
	}
	return out
}
