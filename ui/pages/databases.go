package pages

import (
	"fmt"

	"charm.land/bubbles/v2/key"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
	"github.com/opsconsole/console/ui/common"
	"github.com/opsconsole/console/ui/components/detail"
	"github.com/opsconsole/console/ui/components/table"
)

// NewDatabases returns the Databases view: each cluster, then its members
// with their role, health and lag.
func NewDatabases(ctx *common.Context, _ *Backends) Page {
	cols := []table.Column{
		{Title: "NAME", Width: 22, Grow: true, Max: 40, Priority: 10, Middle: true}, {Title: "ROLE/ENGINE", Width: 17, Priority: 8},
		{Title: "HEALTH", Width: 7, Priority: 9}, {Title: "LAG", Width: 6, Right: true, Priority: 7},
		{Title: "ZONE/REGION", Width: 11, Priority: 4}, {Title: "LAST BACKUP", Width: 11, Priority: 5},
		{Title: "STATUS", Width: 10, Grow: true, Max: 40, Priority: 6}, {Title: "DISK", Width: 5, Right: true, Priority: 3},
	}
	p := newListPage(ctx, "db", "DBs", cols, buildDatabases)
	p.sortable = false // members stay under their cluster
	p.hints = []key.Binding{ctx.Keys.Enter, ctx.Keys.Actions}
	return p
}

func dbHealth(db *providers.Database) int {
	h := providers.HealthOK
	primary := false
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary && m.Healthy {
			primary = true
		}
		if !m.Healthy {
			h = providers.HealthWarn
		}
	}
	hasRoles := false
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary || m.Role == providers.RoleReplica {
			hasRoles = true
		}
	}
	if hasRoles && !primary {
		h = providers.HealthBad
	}
	return h
}

func memberHealth(m *providers.Member) int {
	switch {
	case !m.Healthy:
		return providers.HealthBad
	case m.LagSeconds > lagWarnSeconds:
		return providers.HealthWarn
	default:
		return providers.HealthOK
	}
}

func lag(m *providers.Member) string {
	if m.Role != providers.RoleReplica {
		return "-"
	}
	return fmt.Sprintf("%.1fs", m.LagSeconds)
}

func buildDatabases(in *Input) *listData {
	inv := in.Inv
	d := &listData{}
	type ref struct{ db, member int }
	var refs []ref
	for i := range inv.Databases {
		db := &inv.Databases[i]
		h := dbHealth(db)
		name := san(db.Name)
		d.rows = append(d.rows, table.Row{
			Key: "database/" + name,
			Cells: []string{name, san(db.Engine), common.Health(h), "", san(db.Region),
				age(in.Now, db.LastBackup) + " ago", san(db.Status), diskText(db.Volumes)},
			Health: h,
		})
		d.texts = append(d.texts, common.Fold(name+" "+san(db.Engine)))
		refs = append(refs, ref{i, -1})
		for j := range db.Members {
			m := &db.Members[j]
			mh := memberHealth(m)
			mname := san(m.Name)
			d.rows = append(d.rows, table.Row{
				Key:    "member/" + name + "/" + mname,
				Cells:  []string{"└ " + mname, common.Role(m.Role), common.Health(mh), lag(m), san(m.Zone), "", san(m.Status), diskText(m.Volumes)},
				Health: mh,
			})
			d.texts = append(d.texts, common.Fold(name+" "+mname+" "+m.Role))
			refs = append(refs, ref{i, j})
		}
	}
	d.sel = func(i int) Selection {
		r := refs[i]
		db := &inv.Databases[r.db]
		if r.member < 0 {
			return dbSelection(inv, in, db)
		}
		m := &db.Members[r.member]
		var f fields
		f.add("kind", "DatabaseMember")
		f.add("cluster", db.Name)
		f.add("name", m.Name)
		f.add("role", common.Role(m.Role))
		f.add("health", common.Health(memberHealth(m)))
		f.add("lag", lag(m))
		f.add("zone", m.Zone)
		f.addIf("address", m.Address)
		f.addIf("status", m.Status)
		addVolumes(&f, m.Volumes)
		return Selection{
			Key: "member/" + san(db.Name) + "/" + san(m.Name),
			Refs: []actions.Ref{{Kind: "member", Region: db.Region, Namespace: db.Name, Name: m.Name},
				{Kind: "database", Region: db.Region, Name: db.Name}},
			Detail: detail.Content{Title: "member " + m.Name + " of " + db.Name, Fields: f},
			Events: eventsFor(inv, in.Now, "Database", "", db.Name),
		}
	}
	return d
}

func dbSelection(inv *providers.Inventory, in *Input, db *providers.Database) Selection {
	var f fields
	f.add("kind", "Database")
	f.add("name", db.Name)
	f.add("engine", db.Engine)
	f.add("region", db.Region)
	f.add("status", db.Status)
	f.add("health", common.Health(dbHealth(db)))
	f.addIf("endpoint", db.Endpoint)
	f.add("members", "")
	for i := range db.Members {
		m := &db.Members[i]
		f.sub(m.Name, fmt.Sprintf("%s, %s, lag %s, %s", common.Role(m.Role), common.Health(memberHealth(m)), lag(m), m.Zone))
	}
	f.addIf("restored_from", db.RestoredFrom)
	addVolumes(&f, db.Volumes)
	if w := db.RestoreWindow; w != nil {
		f.add("restorable", stamp(w.Earliest)+" → "+stamp(w.Latest)+" ("+w.Source+")")
	}
	f.add("last_backup", stamp(db.LastBackup)+" ("+age(in.Now, db.LastBackup)+" ago)")
	f.add("backups", "")
	for _, b := range db.Backups {
		f.sub(b.ID, fmt.Sprintf("%s %s %.0f MiB", stamp(b.Time), b.Status, b.SizeMiB))
	}
	return Selection{
		Key:    "database/" + san(db.Name),
		Refs:   []actions.Ref{{Kind: "database", Region: db.Region, Name: db.Name}},
		Detail: detail.Content{Title: "database " + db.Name, Fields: f},
		Events: eventsFor(inv, in.Now, "Database", "", db.Name),
	}
}

// diskText is the usage of the fullest volume ("84%!" over
// providers.VolumeFullPercent), "?" when no volume's usage is known, ""
// without volumes.
func diskText(vs []providers.Volume) string {
	if len(vs) == 0 {
		return ""
	}
	most := -1.0
	full := false
	for _, v := range vs {
		most = max(most, v.UsedPercent())
		full = full || v.Full()
	}
	if most < 0 {
		return "?"
	}
	s := fmt.Sprintf("%.0f%%", most)
	if full {
		s += "!"
	}
	return s
}

// addVolumes lists volumes under a "volumes" field, when there are some.
func addVolumes(f *fields, vs []providers.Volume) {
	if len(vs) == 0 {
		return
	}
	f.add("volumes", "")
	for _, v := range vs {
		f.sub(v.Mount, v.String())
	}
}
