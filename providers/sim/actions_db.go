package sim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// promote is "promote" of a replica: it becomes the primary and the old
// primary a replica.
func (s *Sim) promote(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbPromote, ref, actions.Destructive, "promote replica "+ref.Name+" to primary (failover)")
	a.retarget = func(r actions.Ref) { ref, a.Def.Target = r, r }
	a.check = func(st *state) error {
		d, m, err := st.findMember(ref)
		if err != nil {
			return err
		}
		db, mem := st.inv.Databases[d], st.inv.Databases[d].Members[m]
		switch {
		case !promotable(db.Engine):
			return fmt.Errorf("%s members have no primary to take over from (%s)", db.Engine, db.Name)
		case mem.Role != providers.RoleReplica:
			return fmt.Errorf("%s is the %s of %s, not a replica", mem.Name, mem.Role, db.Name)
		case !mem.Healthy:
			return fmt.Errorf("replica %s is not healthy", mem.Name)
		case db.Status != "available":
			return fmt.Errorf("database %s is %s", db.Name, db.Status)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		d, m, _ := st.findMember(ref)
		db, mem := st.inv.Databases[d], st.inv.Databases[d].Members[m]
		old := primaryOf(db)
		var calls []string
		switch db.Engine {
		case "mongodb":
			calls = []string{
				"mongosh " + mem.Address + ` --eval 'rs.freeze(0)'`,
				"mongosh " + old + ` --eval 'rs.stepDown(60, 10)'`,
				"mongosh " + mem.Address + ` --eval 'rs.isMaster().ismaster'`,
			}
		case "redis":
			calls = []string{
				"redis-cli -h sessions-sentinel -p 26379 SENTINEL FAILOVER mymaster (preferring " + mem.Name + ")",
				"redis-cli -h sessions-sentinel -p 26379 SENTINEL GET-MASTER-ADDR-BY-NAME mymaster",
			}
		default:
			calls = []string{
				"aws rds failover-db-cluster --region " + db.Region + " --db-cluster-identifier " + db.Name + " --target-db-instance-identifier " + mem.Name,
				"aws rds describe-db-clusters --region " + db.Region + " --db-cluster-identifier " + db.Name,
			}
		}
		return actions.Plan{
			Summary:   fmt.Sprintf("fail %s over: %s becomes primary, %s a replica; writes pause for a few seconds (simulated)", db.Name, mem.Name, old),
			Change:    2,
			Resources: []string{"member/" + db.Name + "/" + mem.Name, "member/" + db.Name + "/" + old},
			Calls:     calls,
		}
	}
	a.run = func(r *runner) error {
		var dbName, old string
		if err := r.step(func(st *state) (string, error) {
			d, _, err := st.findMember(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			dbName, old = db.Name, primaryOf(*db)
			db.Status = "failing-over"
			return fmt.Sprintf("failover of %s started: %s steps down", db.Name, old), nil
		}); err != nil {
			return err
		}
		if err := r.step(func(st *state) (string, error) {
			d, m, err := st.findMember(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			for i := range db.Members {
				if db.Members[i].Role == providers.RolePrimary {
					db.Members[i].Role = providers.RoleReplica
					db.Members[i].LagSeconds = 0.2
				}
			}
			db.Members[m].Role = providers.RolePrimary
			db.Members[m].LagSeconds = 0
			return fmt.Sprintf("%s elected primary of %s", db.Members[m].Name, db.Name), nil
		}); err != nil {
			return err
		}
		return r.step(func(st *state) (string, error) {
			if d, _, err := st.findMember(ref); err == nil {
				st.inv.Databases[d].Status = "available"
			}
			return fmt.Sprintf("%s is now a replica of %s; %s available", old, ref.Name, dbName), nil
		})
	}
	a.undo = func(st *state) string {
		d, _, err := st.findMember(ref)
		if err != nil {
			return ""
		}
		db := &st.inv.Databases[d]
		if db.Status != "failing-over" {
			return ""
		}
		// The roles switch in one step: they are consistent; only the status is left over.
		db.Status = "available"
		return fmt.Sprintf("failover of %s stopped: %s is the primary, %s available; promote again to retry", db.Name, primaryOf(*db), db.Name)
	}
	a.verify = func(st *state) (bool, string) {
		d, m, err := st.findMember(ref)
		if err != nil {
			return false, err.Error()
		}
		db := st.inv.Databases[d]
		primaries := 0
		for _, mem := range db.Members {
			if mem.Role == providers.RolePrimary {
				primaries++
			}
		}
		role := db.Members[m].Role
		return role == providers.RolePrimary && primaries == 1,
			fmt.Sprintf("%s is %s of %s (%d primary)", ref.Name, role, db.Name, primaries)
	}
	return a
}

// failover is "promote" on a database: the replica chosen (its "member"
// parameter; the healthiest, least lagging one until chosen) becomes the
// primary, as an Aurora failover to a target does. ok is false when the
// database has no healthy replica.
func (s *Sim) failover(dbRef actions.Ref, db *providers.Database) (*simAction, bool) {
	name := func(m providers.Member) string { return m.Name }
	first := providers.MemberParam(*db, name, "").Value
	if first == "" {
		return nil, false
	}
	a := s.promote(actions.Ref{Kind: actions.KindMember, Namespace: db.Name, Name: first})
	describe := func(a *simAction) {
		a.Def.Description = "fail database " + db.Name + " over: replica " + a.Def.Target.Name + " becomes primary"
	}
	describe(a)
	a.params = func(st *state, a *simAction) []actions.Param {
		d, err := st.findDB(dbRef)
		if err != nil {
			return nil
		}
		return []actions.Param{providers.MemberParam(st.inv.Databases[d], name, a.Def.Target.Name)}
	}
	a.setParam = func(st *state, a *simAction, _, member string) error {
		a.retarget(actions.Ref{Kind: actions.KindMember, Namespace: a.Def.Target.Namespace, Name: member})
		describe(a)
		return nil
	}
	return a, true
}

func primaryOf(db providers.Database) string {
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary {
			return m.Name
		}
	}
	return ""
}

// takeBackup is "backup" of a database cluster: a new completed backup.
func (s *Sim) takeBackup(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbBackup, ref, actions.Mutating, "take a backup of database "+ref.Name)
	var id string
	a.check = func(st *state) error {
		d, err := st.findDB(ref)
		if err != nil {
			return err
		}
		if db := st.inv.Databases[d]; db.Status != "available" {
			return fmt.Errorf("database %s is %s, not available", db.Name, db.Status)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		d, _ := st.findDB(ref)
		db := st.inv.Databases[d]
		var call string
		switch db.Engine {
		case "aurora-postgresql":
			call = "aws rds create-db-cluster-snapshot --region " + db.Region + " --db-cluster-identifier " + db.Name + " --db-cluster-snapshot-identifier " + db.Name + "-manual-<time>"
		case "mongodb":
			call = "mongodump --uri " + db.Endpoint + " --oplog --archive=s3://demo-backups/" + db.Name + "/<time>.archive"
		case "redis":
			call = "redis-cli -h " + primaryOf(db) + " BGSAVE (then copy dump.rdb to s3://demo-backups/" + db.Name + "/)"
		default:
			call = "curl -XPOST http://pilosa.data.svc:10101/backup?to=s3://demo-backups/" + db.Name + "/<time>"
		}
		return actions.Plan{Summary: fmt.Sprintf("take a backup of %s (%s; last one %s) (simulated)", db.Name, db.Engine, db.LastBackup.UTC().Format(time.RFC3339)),
			Add: 1, Resources: []string{"backup/" + db.Name}, Calls: []string{call}}
	}
	a.run = func(r *runner) error {
		if err := r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			t := st.now()
			if strings.HasPrefix(db.Engine, "aurora") {
				id = db.Name + "-manual-" + t.UTC().Format("2006-01-02-15-04-05")
			} else {
				id = db.Name + "-manual-" + t.UTC().Format("20060102-150405")
			}
			for n := 2; slices.ContainsFunc(db.Backups, func(b providers.Backup) bool { return b.ID == id }); n++ {
				id = strings.TrimSuffix(id, "-"+strconv.Itoa(n-1)) + "-" + strconv.Itoa(n)
			}
			size := 1000.0
			if len(db.Backups) > 0 {
				size = db.Backups[len(db.Backups)-1].SizeMiB * 1.001
			}
			db.Backups = append(db.Backups, providers.Backup{ID: id, Time: t, Status: "creating", SizeMiB: roundTo(size, 1)})
			return fmt.Sprintf("backup %s of %s started", id, db.Name), nil
		}); err != nil {
			return err
		}
		for _, pct := range []int{35, 80} {
			if err := r.step(func(st *state) (string, error) { return fmt.Sprintf("  %s: %d%%", id, pct), nil }); err != nil {
				return err
			}
		}
		return r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			for i := range db.Backups {
				if db.Backups[i].ID == id {
					db.Backups[i].Status = "completed"
					db.LastBackup = db.Backups[i].Time
				}
			}
			return fmt.Sprintf("backup %s completed", id), nil
		})
	}
	a.undo = func(st *state) string {
		d, err := st.findDB(ref)
		if err != nil {
			return ""
		}
		db := &st.inv.Databases[d]
		for i := range db.Backups {
			if db.Backups[i].ID == id && db.Backups[i].Status == "creating" {
				db.Backups[i].Status = "failed"
				return fmt.Sprintf("backup %s stopped before it completed: marked failed (it cannot be restored); back up again to retry", id)
			}
		}
		return ""
	}
	a.verify = func(st *state) (bool, string) {
		d, err := st.findDB(ref)
		if err != nil {
			return false, err.Error()
		}
		db := st.inv.Databases[d]
		for _, b := range db.Backups {
			if b.ID == id {
				return b.Status == "completed" && db.LastBackup.Equal(b.Time),
					fmt.Sprintf("backup %s is %s; last backup of %s is %s", id, b.Status, db.Name, db.LastBackup.UTC().Format(time.RFC3339))
			}
		}
		return false, "backup " + id + " not found"
	}
	return a
}

// restoreBackup is "restore" of a database cluster from a backup (the
// latest completed one unless SetBackup picks another).
func (s *Sim) restoreBackup(ref actions.Ref) *simAction {
	a := s.newAction(actions.VerbRestore, ref, actions.Destructive, "")
	describe := func(a *simAction) {
		a.Def.Description = "restore database " + ref.Name + " from backup " + a.backup + " (its current data is replaced)"
	}
	if d, err := s.st.findDB(ref); err == nil {
		a.backup = latestCompleted(s.st.inv.Databases[d])
	}
	describe(a)
	a.setBack = func(st *state, a *simAction, id string) error {
		d, err := st.findDB(ref)
		if err != nil {
			return err
		}
		if !hasBackup(st.inv.Databases[d], id) {
			return fmt.Errorf("database %s has no completed backup %q", ref.Name, id)
		}
		a.backup = id
		describe(a)
		return nil
	}
	a.params = func(st *state, a *simAction) []actions.Param {
		d, err := st.findDB(ref)
		if err != nil {
			return nil
		}
		return []actions.Param{providers.BackupParam(st.inv.Databases[d], func(b providers.Backup) bool { return b.Status == "completed" }, a.backup)}
	}
	a.setParam = func(st *state, a *simAction, _, id string) error { return a.setBack(st, a, id) }
	a.check = func(st *state) error {
		d, err := st.findDB(ref)
		if err != nil {
			return err
		}
		db := st.inv.Databases[d]
		if a.backup == "" || !hasBackup(db, a.backup) {
			return fmt.Errorf("database %s has no completed backup %q", db.Name, a.backup)
		}
		if db.Status != "available" {
			return fmt.Errorf("database %s is %s, not available", db.Name, db.Status)
		}
		return nil
	}
	a.plan = func(st *state) actions.Plan {
		d, _ := st.findDB(ref)
		db := st.inv.Databases[d]
		var calls []string
		switch db.Engine {
		case "aurora-postgresql":
			calls = []string{
				"aws rds restore-db-cluster-from-snapshot --region " + db.Region + " --db-cluster-identifier " + db.Name + "-restore --snapshot-identifier " + a.backup + " --engine aurora-postgresql",
				"aws rds modify-db-cluster: swap endpoints " + db.Name + "-restore → " + db.Name,
			}
		case "mongodb":
			calls = []string{"mongorestore --uri " + db.Endpoint + " --drop --oplogReplay --archive=s3://demo-backups/" + db.Name + "/" + a.backup + ".archive"}
		case "redis":
			calls = []string{"redis-cli -h " + primaryOf(db) + " SHUTDOWN NOSAVE; restore dump.rdb from s3://demo-backups/" + db.Name + "/" + a.backup + "; restart"}
		default:
			calls = []string{"curl -XPOST http://pilosa.data.svc:10101/restore?from=s3://demo-backups/" + db.Name + "/" + a.backup}
		}
		return actions.Plan{Summary: fmt.Sprintf("replace the data of %s with backup %s; writes after it are lost (simulated)", db.Name, a.backup),
			Replace: 1, Resources: []string{"database/" + db.Name}, Calls: calls}
	}
	a.run = func(r *runner) error {
		id := a.backup
		if err := r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			st.inv.Databases[d].Status = "restoring"
			return fmt.Sprintf("restoring %s from %s", ref.Name, id), nil
		}); err != nil {
			return err
		}
		for _, pct := range []int{20, 55, 90} {
			if err := r.step(func(st *state) (string, error) { return fmt.Sprintf("  restore: %d%%", pct), nil }); err != nil {
				return err
			}
		}
		return r.step(func(st *state) (string, error) {
			d, err := st.findDB(ref)
			if err != nil {
				return "", err
			}
			db := &st.inv.Databases[d]
			db.Status = "available"
			for i := range db.Members {
				db.Members[i].LagSeconds = 0
			}
			st.restored[db.Name] = id
			return fmt.Sprintf("%s restored from %s and available", db.Name, id), nil
		})
	}
	a.undo = func(st *state) string {
		d, err := st.findDB(ref)
		if err != nil {
			return ""
		}
		db := &st.inv.Databases[d]
		if db.Status != "restoring" {
			return ""
		}
		// The restored copy replaces the data only in the last step: a
		// restore stopped before it leaves the data as it was.
		db.Status = "available"
		return fmt.Sprintf("restore of %s from %s stopped before it replaced the data: the partial copy is discarded, %s is available with its data unchanged; restore again to retry", db.Name, a.backup, db.Name)
	}
	a.verify = func(st *state) (bool, string) {
		d, err := st.findDB(ref)
		if err != nil {
			return false, err.Error()
		}
		db := st.inv.Databases[d]
		got := st.restored[db.Name]
		return got == a.backup && db.Status == "available", fmt.Sprintf("%s is %s, restored from %q", db.Name, db.Status, got)
	}
	return a
}

func latestCompleted(db providers.Database) string {
	for i := len(db.Backups) - 1; i >= 0; i-- {
		if db.Backups[i].Status == "completed" {
			return db.Backups[i].ID
		}
	}
	return ""
}

func hasBackup(db providers.Database, id string) bool {
	return slices.ContainsFunc(db.Backups, func(b providers.Backup) bool { return b.ID == id && b.Status == "completed" })
}
