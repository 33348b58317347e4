package aws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/opsconsole/console/actions"
)

// An Aurora cluster is restored in place the way RDS allows it (RDS has no
// restore over a live cluster): the snapshot (or point in time) is
// restored into a temporary cluster, given instances like the live
// cluster's, then the live cluster is renamed NAME-before-restore-TIME
// (kept, with its instances) and the temporary one takes NAME
// (ModifyDBCluster NewDBClusterIdentifier, ApplyImmediately): the cluster
// endpoints, named after the identifier, then lead to the restored data.

// SetInPlace chooses a restore over the live cluster (true) or into a new
// one (false, the default). It needs the live cluster (offered on the
// database) and asks for a second typed confirmation.
func (r *RestoreCluster) SetInPlace(on bool) error {
	if on && r.a.source == "" {
		return errors.New("an in-place restore needs the live cluster: offer it on the database")
	}
	r.a.inPlace = on
	if on {
		stamp := time.Now().UTC().Format("0102-1504")
		r.a.newCluster = identifier(r.a.source, "inplace-"+stamp, maxClusterIdentifierLen)
		r.a.kept = identifier(r.a.source, "before-restore-"+stamp, maxClusterIdentifierLen)
	}
	r.Def = r.a.spec()
	return nil
}

// SecondConfirmation implements actions.SecondConfirmer: "overwrite
// NAME" for a restore in place.
func (r *RestoreCluster) SecondConfirmation() string {
	if r.a.inPlace {
		return "overwrite " + r.a.source
	}
	return ""
}

// checkInPlace: the live cluster exists (its resource id is kept to verify
// the swap) and the name it will be kept under is free.
func (a *restoreAction) checkInPlace(ctx context.Context, c *clients) error {
	live, err := describeCluster(ctx, c, a.source)
	if err != nil {
		return err
	}
	a.liveID = sdkaws.ToString(live.DbClusterResourceId)
	if _, err := describeCluster(ctx, c, a.kept); err == nil {
		return fmt.Errorf("%w: DB cluster %s already exists: the live cluster cannot be kept under that name", actions.ErrRefused, a.kept)
	} else if !errors.Is(err, errNotFound) {
		return err
	}
	return nil
}

func (a *restoreAction) previewInPlace() actions.Plan {
	return actions.Plan{
		Summary: fmt.Sprintf("restore %s OVER the live cluster %s (kept as %s)", a.what(), a.source, a.kept),
		Calls: []string{a.call(),
			"rds:DescribeDBClusters " + a.newCluster + " until available; rds:CreateDBInstance in it, one per instance of " + a.source + " (same class and engine), until available",
			"rds:ModifyDBCluster DBClusterIdentifier=" + a.source + " NewDBClusterIdentifier=" + a.kept + " ApplyImmediately=true (the live cluster, kept with its instances)",
			"rds:ModifyDBCluster DBClusterIdentifier=" + a.newCluster + " NewDBClusterIdentifier=" + a.source + " ApplyImmediately=true"},
		Text: "THE LIVE CLUSTER'S NAME AND ENDPOINTS GO TO THE RESTORED DATA: everything written to " + a.source +
			" after the restore point is no longer served there (the live cluster is kept as " + a.kept + " until you delete it). Clients reconnect when the endpoints move.",
		Replace: 1, Resources: []string{"database/" + a.source},
	}
}

// what is the restore point, for the plan.
func (a *restoreAction) what() string {
	if !a.at.IsZero() {
		return a.source + " as of " + a.at.UTC().Format(time.RFC3339)
	}
	return "snapshot " + a.snapshot
}

// swap gives the restored cluster instances like the live one's, keeps
// the live one under another name and gives its name to the restored one.
func (a *restoreAction) swap(ctx context.Context, c *clients, out io.Writer) error {
	available := func(id string) func(context.Context) (bool, string, error) {
		return func(ctx context.Context) (bool, string, error) {
			cl, err := describeCluster(ctx, c, id)
			if err != nil {
				return false, "", err
			}
			st := sdkaws.ToString(cl.Status)
			return st == "available", "DB cluster " + id + " is " + st, nil
		}
	}
	if ok, why, err := waitFor(ctx, 30*time.Minute, available(a.newCluster)); err != nil || !ok {
		return fmt.Errorf("the restored cluster %s is not available (%s): %w; the live cluster %s was not changed", a.newCluster, why, err, a.source)
	}
	live, err := describeCluster(ctx, c, a.source)
	if err != nil {
		return err
	}
	for i, m := range live.DBClusterMembers {
		in, err := c.rds.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: m.DBInstanceIdentifier})
		if err != nil || len(in.DBInstances) == 0 {
			return fmt.Errorf("instance %s of %s: %w; the live cluster was not changed", sdkaws.ToString(m.DBInstanceIdentifier), a.source, err)
		}
		src := in.DBInstances[0]
		id := identifier(a.newCluster, fmt.Sprint(i+1), maxClusterIdentifierLen)
		if _, err := c.rds.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: &id, DBClusterIdentifier: &a.newCluster,
			Engine: src.Engine, DBInstanceClass: src.DBInstanceClass}); err != nil {
			return fmt.Errorf("CreateDBInstance %s: %w; the live cluster was not changed (remove %s)", id, err, a.newCluster)
		}
		fmt.Fprintf(out, "instance %s (%s) created in %s\n", id, sdkaws.ToString(src.DBInstanceClass), a.newCluster)
	}
	rename := func(from, to string) error {
		_, err := c.rds.ModifyDBCluster(ctx, &rds.ModifyDBClusterInput{DBClusterIdentifier: &from, NewDBClusterIdentifier: &to, ApplyImmediately: sdkaws.Bool(true)})
		if err != nil {
			return fmt.Errorf("ModifyDBCluster %s → %s: %w", from, to, err)
		}
		fmt.Fprintf(out, "DB cluster %s renamed %s\n", from, to)
		ok, why, err := waitFor(ctx, 30*time.Minute, available(to))
		if err == nil && !ok {
			err = errors.New(why)
		}
		return err
	}
	if err := rename(a.source, a.kept); err != nil {
		return fmt.Errorf("%w (the restored data is in %s)", err, a.newCluster)
	}
	if err := rename(a.newCluster, a.source); err != nil {
		return fmt.Errorf("%w: %s has no cluster now; the live data is in %s, the restored in %s: rename one back", err, a.source, a.kept, a.newCluster)
	}
	fmt.Fprintf(out, "%s now serves the restored data; the cluster it was is kept as %s\n", a.source, a.kept)
	return nil
}

// verifyInPlace: NAME is another cluster than the live one was, which is
// kept under its new name.
func (a *restoreAction) verifyInPlace(ctx context.Context, c *clients) (bool, string, error) {
	now, err := describeCluster(ctx, c, a.source)
	if err != nil {
		return false, "", err
	}
	kept, err := describeCluster(ctx, c, a.kept)
	if err != nil {
		return false, "", err
	}
	switch {
	case sdkaws.ToString(now.DbClusterResourceId) == a.liveID:
		return false, a.source + " is still the cluster it was (resource " + a.liveID + ")", nil
	case sdkaws.ToString(kept.DbClusterResourceId) != a.liveID:
		return false, a.kept + " is not the cluster " + a.source + " was", nil
	}
	return true, fmt.Sprintf("%s is the restored cluster (%s, %d instances); the live one is kept as %s", a.source,
		sdkaws.ToString(now.Status), len(now.DBClusterMembers), a.kept), nil
}
