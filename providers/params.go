package providers

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/opsconsole/console/actions"
)

// BackupParam is the "backup" parameter of a restore of db, shared by every
// source: the backups usable reports restorable (completed, available —
// never a failed one or one still being taken), newest first, each with
// its time and size; value is the one chosen now ("" leaves the newest).
func BackupParam(db Database, usable func(Backup) bool, value string) actions.Param {
	bs := slices.Clone(db.Backups)
	bs = slices.DeleteFunc(bs, func(b Backup) bool { return !usable(b) })
	slices.SortStableFunc(bs, func(x, y Backup) int { return y.Time.Compare(x.Time) })
	p := actions.Param{Name: "backup", Title: "Backup to restore", Kind: actions.ParamChoice, Value: value,
		Help: fmt.Sprintf("%d restorable backups of %s, newest first (failed or unfinished ones are not offered)", len(bs), db.Name)}
	for _, b := range bs {
		label := b.Time.UTC().Format("2006-01-02 15:04 UTC")
		if b.SizeMiB > 0 {
			label += " · " + sizeMiB(b.SizeMiB)
		}
		if b.Kind != "" {
			label += " · " + b.Kind
		}
		p.Choices = append(p.Choices, actions.Choice{Value: b.ID, Label: label})
	}
	if p.Value == "" && len(p.Choices) > 0 {
		p.Value = p.Choices[0].Value
	}
	return p
}

// MemberParam is the "member" parameter of a promote (failover) on db: its
// replicas, least lagging first, each with role, lag and health; an
// unhealthy one is listed as unavailable. key names a member as the action
// takes it (its name, or its address); value is the one chosen now ("": the
// first available).
func MemberParam(db Database, key func(Member) string, value string) actions.Param {
	var ms []Member
	for _, m := range db.Members {
		if m.Role == RoleReplica {
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(x, y Member) int {
		if x.Healthy != y.Healthy {
			if x.Healthy {
				return -1
			}
			return 1
		}
		return cmp.Compare(x.LagSeconds, y.LagSeconds)
	})
	p := actions.Param{Name: "member", Title: "Replica to promote", Kind: actions.ParamChoice, Value: value,
		Help: fmt.Sprintf("the replicas of %s; the one chosen becomes the primary (now %s)", db.Name, orNone(primaryName(db)))}
	for _, m := range ms {
		health := "✓ healthy"
		c := actions.Choice{Value: key(m)}
		if !m.Healthy {
			health = "✗ unhealthy"
			c.Unavailable = "it is not healthy"
		}
		c.Label = fmt.Sprintf("○ replica · lag %s · %s", lag(m.LagSeconds), health)
		if m.Zone != "" {
			c.Label += " · " + m.Zone
		}
		if key(m) != m.Name && m.Name != "" {
			c.Label = m.Name + " · " + c.Label
		}
		p.Choices = append(p.Choices, c)
	}
	if p.Value == "" {
		for _, c := range p.Choices {
			if c.Unavailable == "" {
				p.Value = c.Value
				break
			}
		}
	}
	return p
}

func primaryName(db Database) string {
	for _, m := range db.Members {
		if m.Role == RolePrimary {
			return m.Name
		}
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func lag(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(100 * time.Millisecond).String()
}

func sizeMiB(m float64) string {
	if m >= 1024 {
		return strconv.FormatFloat(m/1024, 'f', 1, 64) + " GiB"
	}
	return strconv.FormatFloat(m, 'f', 1, 64) + " MiB"
}

// TimeParam is the "at" parameter of a restore to a point in time of db:
// optional (empty: the backup itself), bounded by the database's
// restorable window as last read, which its help line shows. Without a
// window it is not offered (nil).
func TimeParam(db Database, value string) *actions.Param {
	w := db.RestoreWindow
	if w == nil {
		return nil
	}
	const show = "2006-01-02 15:04:05Z07:00"
	p := actions.Param{Name: "at", Title: "Point in time", Kind: actions.ParamTime, Optional: true, Value: value,
		Earliest: w.Earliest, Latest: w.Latest,
		Help: fmt.Sprintf("earliest %s, latest %s; RFC 3339 or -15m; empty: the backup itself",
			w.Earliest.UTC().Format(show), w.Latest.UTC().Format(show))}
	return &p
}

// TargetParam is the "target" parameter of a restore of db: the name of
// the new instance or cluster, following rule, neither db's own name nor
// one of taken; optional (empty: a name the action generates, shown as
// generated).
func TargetParam(db Database, rule actions.NameRule, taken []string, value, generated string) actions.Param {
	help := "the new instance's name; empty: " + generated
	if rule == actions.NameRDSIdentifier {
		help = "the new cluster's identifier; empty: " + generated
	}
	return actions.Param{Name: "target", Title: "Restore as", Kind: actions.ParamName, Optional: true, Value: value,
		Rule: rule, Current: db.Name, Taken: taken, Help: help}
}
