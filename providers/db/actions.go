package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/providers"
)

// Offer implements actions.Offerer: a member of a database can be promoted
// (Destructive; refused by the precondition unless it is a replica); a
// database whose engine takes backups can take one (Mutating).
// Refs: {Kind: actions.KindMember, Namespace: DB name, Name: member address} and
// {Kind: actions.KindDatabase, Name: DB name}.
func (p *Provider) Offer(ref actions.Ref) []actions.Action {
	for _, c := range p.clusters {
		if c.engine == nil {
			continue
		}
		if ref.Kind == actions.KindDatabase && ref.Name != c.cfg.Name && !p.configured(ref.Name) {
			if a := c.offerRestored(ref.Name); a != nil {
				return []actions.Action{a}
			}
		}
		switch {
		case ref.Kind == actions.KindMember && ref.Namespace == c.cfg.Name && slices.Contains(c.cfg.Members, ref.Name):
			seen, ok := p.lastSeen(c.cfg.Name)
			a := &promote{c: c, member: ref.Name, seen: strings.Join(healthyPrimaries(seen), ", "), seenOK: ok}
			return []actions.Action{c.action(a.spec(), a)}
		case ref.Kind == actions.KindDatabase && ref.Name == c.cfg.Name:
			var out []actions.Action
			if b, ok := c.engine.(Backuper); ok {
				a := &backup{c: c, b: b}
				out = append(out, c.action(a.spec(), a))
			}
			if r, ok := c.engine.(Restorer); ok {
				seen, _ := p.lastSeen(c.cfg.Name)
				a := &restore{c: c, r: r, window: seen.RestoreWindow, others: p.names()}
				a.dbAction = c.action(a.spec(), a)
				out = append(out, a)
			}
			return out
		}
	}
	return nil
}

// offerRestored returns the action that stops and removes the restored
// instance name, or nil when the cluster has none of that name.
func (c cluster) offerRestored(name string) actions.Action {
	d, ok := c.engine.(Restorer)
	if !ok {
		return nil
	}
	rs, _ := listRestored(c.dir, c.cfg.Name)
	for _, r := range rs {
		if r.name() == name {
			a := &removeRestored{c: c, r: r, d: d}
			da := c.action(a.spec(), a)
			da.lock = "db/" + name
			return da
		}
	}
	return nil
}

// find returns the member at addr in db.
func find(db providers.Database, addr string) (providers.Member, bool) {
	i := slices.IndexFunc(db.Members, func(m providers.Member) bool { return m.Address == addr })
	if i < 0 {
		return providers.Member{}, false
	}
	return db.Members[i], true
}

// primary returns the address of the cluster's one healthy primary.
func primary(db providers.Database) (string, error) {
	var found []string
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary && m.Healthy {
			found = append(found, m.Address)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%w: %s has %d healthy primaries (%s)", actions.ErrRefused, db.Name, len(found), db.Status)
	}
	return found[0], nil
}

// defaultMaxLag is how much a replica may lag to be promoted when the
// configuration sets no max_lag.
const defaultMaxLag = 10 * time.Second

// steps are the steps of one database action.
type steps interface {
	check(ctx context.Context) error
	preview(ctx context.Context, out io.Writer) (actions.Plan, error)
	run(ctx context.Context, plan actions.Plan, out io.Writer) error
	verify(ctx context.Context) (bool, string, error)
}

// dbAction is a database action: the shared actions.Steps, plus the lock
// that makes every action on one database one target for the executor's
// one-run-per-target rule (no promote while a backup runs).
type dbAction struct {
	*actions.Steps
	lock string
}

// LockKey implements actions.Locker.
func (a dbAction) LockKey() string { return a.lock }

func (c cluster) action(spec actions.Spec, s steps) dbAction {
	return dbAction{Steps: &actions.Steps{Def: spec, DoCheck: s.check, DoPreview: s.preview, DoRun: s.run, DoVerify: s.verify},
		lock: "db/" + c.cfg.Name}
}

// healthyPrimaries lists the members that report primary and are healthy.
func healthyPrimaries(db providers.Database) []string {
	var out []string
	for _, m := range db.Members {
		if m.Role == providers.RolePrimary && m.Healthy {
			out = append(out, m.Address)
		}
	}
	return out
}

// promote makes a replica the primary through its engine, after
// patronictl-grade checks: the primary it replaces is the one the view
// showed, the candidate is connected and within the lag limit, and the
// engine's own checks pass (Sentinel quorum).
type promote struct {
	c      cluster
	member string
	// seen is the primary the view showed when the action was offered
	// ("" for none); seenOK is false when the view had not read the database.
	seen   string
	seenOK bool
	// checked describes the last passed check, for the plan.
	checked string
}

func (a *promote) spec() actions.Spec {
	return actions.Spec{
		Name:        actions.VerbPromote,
		Target:      actions.Ref{Kind: actions.KindMember, Namespace: a.c.cfg.Name, Name: a.member},
		Runner:      "db",
		Effect:      actions.Destructive,
		Timeout:     2 * time.Minute,
		Description: fmt.Sprintf("promote replica %s of %s (%s) to primary", a.member, a.c.cfg.Name, a.c.cfg.Engine),
	}
}

func (a *promote) check(ctx context.Context) error {
	db := a.c.probe(ctx)
	m, _ := find(db, a.member)
	if m.Role != providers.RoleReplica {
		return fmt.Errorf("%w: %s is %q, not a replica (%s)", actions.ErrRefused, a.member, m.Role, m.Status)
	}
	if !a.seenOK {
		return fmt.Errorf("%w: the view has not read %s yet: refresh and choose again", actions.ErrRefused, a.c.cfg.Name)
	}
	now := healthyPrimaries(db)
	current := strings.Join(now, ", ")
	switch {
	case len(now) > 1:
		return fmt.Errorf("%w: %s has several primaries (%s): fence all but one first", actions.ErrRefused, a.c.cfg.Name, current)
	case current != a.seen:
		return fmt.Errorf("%w: the view is stale: it showed primary %q, %s's primary is now %q: refresh and choose again",
			actions.ErrRefused, a.seen, a.c.cfg.Name, current)
	}
	if current != "" && !m.Healthy {
		return fmt.Errorf("%w: %s is not connected to the primary %s (%s)", actions.ErrRefused, a.member, current, m.Status)
	}
	limit := a.c.cfg.MaxLag.Or(defaultMaxLag)
	if lag := time.Duration(m.LagSeconds * float64(time.Second)); lag > limit {
		return fmt.Errorf("%w: %s lags %s, over the limit %s (max_lag)", actions.ErrRefused, a.member, lag.Round(100*time.Millisecond), limit)
	}
	if pc, ok := a.c.engine.(PromoteChecker); ok {
		if err := pc.PromoteCheck(ctx, db, a.member); err != nil {
			return fmt.Errorf("%w: %w", actions.ErrRefused, err)
		}
	}
	if current == "" {
		current = "none (failover)"
	}
	a.checked = fmt.Sprintf("checked: primary %s as shown; %s %s, lag %.1fs within the limit %s",
		current, a.member, m.Status, m.LagSeconds, limit)
	return nil
}

func (a *promote) preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	calls, note := a.c.engine.PromotePlan(a.member)
	text := a.checked
	if note != "" {
		text += "\n" + note
	}
	return actions.Plan{Summary: "promote " + a.member + " to primary", Calls: calls, Text: text,
		Resources: []string{a.c.cfg.Name + "/" + a.member}, Change: 1}, nil
}

func (a *promote) run(ctx context.Context, plan actions.Plan, out io.Writer) error {
	return a.c.engine.Promote(ctx, a.member, out)
}

// Verify re-reads the cluster until the new topology is confirmed (the
// candidate is the one primary, the other members replicas) or a deadline
// passes, and says what it found either way.
func (a *promote) verify(ctx context.Context) (bool, string, error) {
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		db := a.c.probe(ctx)
		m, _ := find(db, a.member)
		var others []string
		confirmed := m.Role == providers.RolePrimary && m.Healthy
		for _, o := range db.Members {
			if o.Address == a.member {
				continue
			}
			fenced := o.Role == providers.RolePrimary && strings.HasPrefix(o.Status, fencedStatus)
			if (o.Role != providers.RoleReplica || !o.Healthy) && !fenced {
				confirmed = false
			}
			role := o.Role
			if role == "" {
				role = "unreachable"
			}
			others = append(others, fmt.Sprintf("%s %s (%s)", o.Address, role, o.Status))
		}
		if confirmed {
			return true, fmt.Sprintf("%s is the primary; %s", a.member, strings.Join(others, "; ")), nil
		}
		select {
		case <-ctx.Done():
			return false, "", ctx.Err()
		case <-deadline.C:
			if m.Role == providers.RolePrimary {
				return true, fmt.Sprintf("%s is primary, but the topology is not settled: %s", a.member, strings.Join(others, "; ")), nil
			}
			return false, fmt.Sprintf("%s is %q (%s); %s", a.member, m.Role, m.Status, strings.Join(others, "; ")), nil
		case <-tick.C:
		}
	}
}

// backup takes a backup of the cluster's primary through its engine.
type backup struct {
	c     cluster
	b     Backuper
	taken providers.Backup
}

func (a *backup) spec() actions.Spec {
	return actions.Spec{Name: actions.VerbBackup, Target: actions.Ref{Kind: actions.KindDatabase, Name: a.c.cfg.Name}, Runner: "db",
		Effect: actions.Mutating, Timeout: 10 * time.Minute, Description: "take a backup of " + a.c.cfg.Name + " (" + a.c.cfg.Engine + ") from its primary"}
}

func (a *backup) check(ctx context.Context) error {
	_, err := primary(a.c.probe(ctx))
	return err
}

func (a *backup) preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	pr, err := primary(a.c.probe(ctx))
	if err != nil {
		return actions.Plan{}, err
	}
	return actions.Plan{Summary: "back up " + a.c.cfg.Name + " from " + pr, Calls: a.b.BackupPlan(pr), Add: 1, Resources: []string{a.c.cfg.Name}}, nil
}

func (a *backup) run(ctx context.Context, plan actions.Plan, out io.Writer) error {
	pr, err := primary(a.c.probe(ctx))
	if err != nil {
		return err
	}
	id, dir, err := a.c.cat.create(time.Now())
	if err != nil {
		return err
	}
	b, err := a.b.Backup(ctx, pr, dir, out)
	if err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	b.ID = id
	if a.taken, err = a.c.cat.save(b); err != nil {
		return err
	}
	fmt.Fprintf(out, "backup %s: %.1f MiB in %s\n", id, a.taken.SizeMiB, a.taken.Location)
	return nil
}

func (a *backup) verify(ctx context.Context) (bool, string, error) {
	db := a.c.probe(ctx)
	if slices.ContainsFunc(db.Backups, func(b providers.Backup) bool { return b.ID == a.taken.ID }) {
		return true, fmt.Sprintf("backup %s of %s is listed (%s)", a.taken.ID, a.c.cfg.Name, a.taken.Time.UTC().Format(time.RFC3339)), nil
	}
	return false, fmt.Sprintf("backup %s of %s is not listed", a.taken.ID, a.c.cfg.Name), nil
}

// restore starts a new instance from a backup, alongside the live cluster
// (never over it). Offer picks the newest backup; SetBackup another;
// SetPointInTime replays the engine's logs up to a time.
type restore struct {
	dbAction
	c        cluster
	r        Restorer
	backupID string
	// at is the point in time to restore to (zero: the backup itself).
	at time.Time
	// inPlace restores over the live instance (explicitly asked; a second
	// typed confirmation) instead of into a new one.
	inPlace bool
	// target names the new instance (its directory under restores/; ""
	// generates NAME-restore-TIME).
	target string
	// window is the restorable window the view showed (the "at"
	// parameter's bounds; Check reads it again); others are the names of
	// the provider's databases, which a target may not take.
	window *providers.TimeWindow
	others []string
	// member is the live instance restored over (in place), read by Check.
	member string
	done   Restored
	kept   string
}

// SetInPlace chooses a restore over the live instance (true) or into a new
// one (false, the default). Only engines that implement InPlaceRestorer
// take it; it excludes a point in time.
func (a *restore) SetInPlace(on bool) error {
	if _, ok := a.r.(InPlaceRestorer); on && !ok {
		return fmt.Errorf("%s (%s) cannot be restored in place: restore into a new instance", a.c.cfg.Name, a.c.cfg.Engine)
	}
	a.inPlace = on
	a.Def = a.spec()
	return nil
}

// interruption says how clients are interrupted by an in-place restore.
func (a *restore) interruption() string {
	if _, ok := a.r.(replicasResync); ok {
		return "writes are refused, READONLY, while the primary loads the backup"
	}
	return "the server is stopped and restarted: connections are lost"
}

// SecondConfirmation implements actions.SecondConfirmer: a restore over
// the live instance asks for "overwrite NAME" after the name.
func (a *restore) SecondConfirmation() string {
	if a.inPlace {
		return "overwrite " + a.c.cfg.Name
	}
	return ""
}

// Backup is the id of the chosen backup ("" for the newest, or for a
// point in time, the newest taken before it).
func (a *restore) Backup() string { return a.backupID }

// Params implements actions.Parameterized: "backup", the backups of the
// console's catalog for this database, newest first (an interrupted backup
// is not in the catalog, so it is never offered).
func (a *restore) Params() []actions.Param {
	bs, _ := a.c.cat.list()
	ps := []actions.Param{providers.BackupParam(providers.Database{Name: a.c.cfg.Name, Backups: bs},
		func(providers.Backup) bool { return true }, a.backupID)}
	if _, ok := a.r.(PointInTimeRestorer); ok {
		at := ""
		if !a.at.IsZero() {
			at = a.at.UTC().Format(time.RFC3339Nano)
		}
		if tp := providers.TimeParam(providers.Database{Name: a.c.cfg.Name, RestoreWindow: a.window}, at); tp != nil {
			ps = append(ps, *tp)
		}
	}
	taken := slices.Clone(a.others)
	if rs, err := os.ReadDir(filepath.Join(a.c.dir, "restores")); err == nil {
		for _, r := range rs {
			taken = append(taken, r.Name())
		}
	}
	ps = append(ps, providers.TargetParam(providers.Database{Name: a.c.cfg.Name}, actions.NameDNSLabel, taken, a.target, a.c.cfg.Name+"-restore-TIME"))
	if _, ok := a.r.(InPlaceRestorer); ok {
		into := intoNew
		if a.inPlace {
			into = intoInPlace
		}
		ps = append(ps, actions.Param{Name: "into", Title: "Restore into", Kind: actions.ParamChoice, Value: into,
			Help: "in place asks for a second confirmation (overwrite " + a.c.cfg.Name + ")",
			Choices: []actions.Choice{{Value: intoNew, Label: "a new instance alongside (the live cluster is not touched)"},
				{Value: intoInPlace, Label: "OVER the live instance: its data replaced (the data before kept aside)"}}})
	}
	return ps
}

// The values of the restore's "into" parameter.
const (
	intoNew     = "new"
	intoInPlace = "in-place"
)

// SetParam implements actions.Parameterized: "backup", "at" (a point in
// time, validated as RFC 3339), "target" (the new instance's name), or
// "into" (new, in-place) for engines that restore in place.
func (a *restore) SetParam(name, v string) error {
	switch name {
	case "into":
		return a.SetInPlace(v == intoInPlace)
	case "at":
		t, err := actions.TimeValue(v)
		if err != nil || t.IsZero() {
			a.at, a.Def = time.Time{}, a.spec()
			return err
		}
		return a.SetPointInTime(t)
	case "target":
		return a.SetTarget(v)
	}
	return a.SetBackup(v)
}

// SetTarget names the new instance ("" generates NAME-restore-TIME): the
// directory restores/NAME it runs from, and its name in the inventory.
// The name must be a DNS-1123 label and not taken (Check and the restore
// itself refuse one that exists by then).
func (a *restore) SetTarget(name string) error {
	a.target = name
	a.Def = a.spec()
	return nil
}

// SetBackup chooses the backup to restore.
func (a *restore) SetBackup(id string) error {
	if _, err := a.c.cat.find(id); err != nil {
		return err
	}
	a.backupID = id
	a.Def = a.spec()
	return nil
}

// PointInTime is the chosen time (zero for none).
func (a *restore) PointInTime() time.Time { return a.at }

// SetPointInTime chooses a point-in-time restore to t: a base backup taken
// before t, replayed up to t. Only engines that keep logs to replay
// (PointInTimeRestorer) take one; Check verifies t is in the window.
func (a *restore) SetPointInTime(t time.Time) error {
	if _, ok := a.r.(PointInTimeRestorer); !ok {
		return fmt.Errorf("%s (%s) keeps no logs to replay: no point-in-time restore", a.c.cfg.Name, a.c.cfg.Engine)
	}
	if t.IsZero() {
		return errors.New("no time given")
	}
	a.at = t
	a.Def = a.spec()
	return nil
}

func (a *restore) spec() actions.Spec {
	which := "the newest backup"
	if a.backupID != "" {
		which = "backup " + a.backupID
	}
	if !a.at.IsZero() {
		which = "the state as of " + a.at.UTC().Format(time.RFC3339Nano)
		if a.backupID != "" {
			which += " (from backup " + a.backupID + ")"
		}
	}
	into := "a new instance"
	if a.target != "" {
		into += " " + a.target
	}
	desc := fmt.Sprintf("restore %s of %s into %s alongside it (the live cluster is not touched)", which, a.c.cfg.Name, into)
	if a.inPlace {
		desc = fmt.Sprintf("restore %s of %s IN PLACE: the live instance's data is replaced", which, a.c.cfg.Name)
	}
	return actions.Spec{Name: actions.VerbRestore, Target: actions.Ref{Kind: actions.KindDatabase, Name: a.c.cfg.Name}, Runner: "db",
		Effect: actions.Destructive, Timeout: 30 * time.Minute, Description: desc}
}

// base returns the backup to restore: the chosen one, else the newest;
// for a point in time, the chosen one if taken before it, else the newest
// taken before it from which the logs replay; the time must lie in the
// window the engine reports.
func (a *restore) base(ctx context.Context) (providers.Backup, error) {
	if a.at.IsZero() {
		return a.c.cat.find(a.backupID)
	}
	db := a.c.probe(ctx)
	w := db.RestoreWindow
	if w == nil {
		return providers.Backup{}, fmt.Errorf("%s has no restorable window (no log archive, or no backup it can replay from)", a.c.cfg.Name)
	}
	if !w.Contains(a.at) {
		return providers.Backup{}, fmt.Errorf("%s is outside the restorable window of %s (%s → %s, %s)", a.at.UTC().Format(time.RFC3339Nano),
			a.c.cfg.Name, w.Earliest.UTC().Format(time.RFC3339Nano), w.Latest.UTC().Format(time.RFC3339Nano), w.Source)
	}
	if a.backupID != "" {
		b, err := a.c.cat.find(a.backupID)
		if err == nil && b.Time.After(a.at) {
			return b, fmt.Errorf("backup %s ends at %s, after %s: choose an earlier backup", b.ID, b.Time.UTC().Format(time.RFC3339Nano), a.at.UTC().Format(time.RFC3339Nano))
		}
		return b, err
	}
	bs, err := a.c.cat.list()
	if err != nil {
		return providers.Backup{}, err
	}
	for _, b := range bs { // newest first
		if !b.Time.After(a.at) && !b.Time.Before(w.Earliest) {
			return b, nil
		}
	}
	return providers.Backup{}, fmt.Errorf("no backup of %s ends before %s", a.c.cfg.Name, a.at.UTC().Format(time.RFC3339Nano))
}

func (a *restore) check(ctx context.Context) error {
	if _, err := a.base(ctx); err != nil {
		return fmt.Errorf("%w: %w", actions.ErrRefused, err)
	}
	if !a.inPlace {
		if a.target == "" {
			return nil
		}
		if a.target == a.c.cfg.Name || slices.Contains(a.others, a.target) {
			return fmt.Errorf("%w: %s is the name of a configured database: name a new one", actions.ErrRefused, a.target)
		}
		if _, err := os.Lstat(filepath.Join(a.c.dir, "restores", a.target)); err == nil {
			return fmt.Errorf("%w: %s already exists (%s)", actions.ErrRefused, a.target, filepath.Join(a.c.dir, "restores", a.target))
		}
		return nil
	}
	if a.target != "" {
		return fmt.Errorf("%w: a restore in place keeps the live instance's name: no target", actions.ErrRefused)
	}
	if !a.at.IsZero() {
		return fmt.Errorf("%w: a point in time is restored into a new instance only", actions.ErrRefused)
	}
	db := a.c.probe(ctx)
	pr, err := primary(db)
	if err != nil {
		return err
	}
	if _, follow := a.r.(replicasResync); len(db.Members) != 1 && !follow {
		return fmt.Errorf("%w: %s has %d members: in place, only a single instance is restored (its replicas would not follow); restore into a new instance", actions.ErrRefused, a.c.cfg.Name, len(db.Members))
	}
	a.member = pr
	return nil
}

func (a *restore) preview(ctx context.Context, out io.Writer) (actions.Plan, error) {
	b, err := a.base(ctx)
	if err != nil {
		return actions.Plan{}, fmt.Errorf("%w: %w", actions.ErrRefused, err)
	}
	into := "a new instance"
	if a.target != "" {
		into += " " + a.target
	}
	summary := fmt.Sprintf("restore backup %s (%s, %s, %.1f MiB) into %s", b.ID, b.Kind, b.Time.UTC().Format(time.RFC3339), b.SizeMiB, into)
	calls := a.r.RestorePlan(b)
	text := "The live cluster is not touched: the backup starts as a new standalone instance on a free port of 127.0.0.1."
	if a.inPlace {
		return actions.Plan{Summary: fmt.Sprintf("restore backup %s (%s) OVER the live instance %s", b.ID, b.Time.UTC().Format(time.RFC3339), a.member),
			Calls: a.r.(InPlaceRestorer).RestoreInPlacePlan(b, a.member),
			Text: "THE LIVE DATA IS REPLACED by the backup's: everything written after " + b.Time.UTC().Format(time.RFC3339) +
				" is no longer served (the data before is kept aside: see the steps). Clients are interrupted while it is restored (" + a.interruption() + ").",
			Replace: 1, Resources: []string{a.c.cfg.Name + "/" + a.member}}, nil
	}
	if !a.at.IsZero() {
		summary = fmt.Sprintf("restore %s as of %s (base backup %s, then its logs replayed) into %s", a.c.cfg.Name, a.at.UTC().Format(time.RFC3339Nano), b.ID, into)
		calls = a.r.(PointInTimeRestorer).RestoreToTimePlan(b, a.at)
		if w := a.c.probe(ctx).RestoreWindow; w != nil {
			text += fmt.Sprintf("\nRestorable window: %s → %s (%s).", w.Earliest.UTC().Format(time.RFC3339), w.Latest.UTC().Format(time.RFC3339), w.Source)
		}
	}
	return actions.Plan{Summary: summary, Calls: calls, Text: text, Add: 1, Resources: []string{a.c.cfg.Name + "@" + b.ID}}, nil
}

func (a *restore) run(ctx context.Context, plan actions.Plan, out io.Writer) error {
	b, err := a.base(ctx)
	if err != nil {
		return err
	}
	if a.inPlace {
		a.kept, err = a.r.(InPlaceRestorer).RestoreInPlace(ctx, b, a.member, out)
		return err
	}
	dir, err := restoreDir(a.c.dir, a.c.cfg.Name, a.target)
	if err != nil {
		return err
	}
	if a.at.IsZero() {
		a.done, err = a.r.Restore(ctx, b, dir, out)
	} else {
		a.done, err = a.r.(PointInTimeRestorer).RestoreToTime(ctx, b, a.at, dir, out)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cancelled midway: the partial instance (its server was
			// stopped) is removed, so nothing half-restored is left.
			if rerr := os.RemoveAll(dir); rerr != nil {
				fmt.Fprintf(out, "restore cancelled: the partial instance in %s could not be removed (%v): remove it to clean up\n", dir, rerr)
				return err
			}
			fmt.Fprintf(out, "restore cancelled: the partial instance in %s was stopped and removed; the live cluster was not touched; restore again to retry\n", dir)
			return err
		}
		fmt.Fprintf(out, "restore failed: the partial instance's files are kept in %s for diagnosis (server.log); remove the directory to clean up\n", dir)
		return err
	}
	from := a.c.cfg.Name + "@" + b.ID
	if !a.at.IsZero() {
		from += " as of " + a.at.UTC().Format(time.RFC3339Nano)
	}
	if err := saveRestored(a.done, from); err != nil {
		fmt.Fprintf(out, "warning: the restored instance is not recorded (%v): the console will not list it\n", err)
	}
	fmt.Fprintf(out, "restored %s into %s as %s (data %s, pid %d)\n", from, a.done.Address, filepath.Base(a.done.Dir), a.done.Dir, a.done.PID)
	return nil
}

func (a *restore) verify(ctx context.Context) (bool, string, error) {
	if a.inPlace {
		what, err := a.r.Describe(ctx, a.member)
		if err != nil {
			return false, "", err
		}
		return true, fmt.Sprintf("%s restored in place and serving (%s); the old data is kept in %s", a.member, what, a.kept), nil
	}
	what, err := a.r.Describe(ctx, a.done.Address)
	if err != nil {
		return false, "", err
	}
	return true, fmt.Sprintf("restored instance ready at %s (%s)", a.done.Address, what), nil
}
