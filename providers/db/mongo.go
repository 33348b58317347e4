package db

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/opsconsole/console/config"
	"github.com/opsconsole/console/providers"
)

// mongoEngine is a MongoDB replica set. It is NOT tested against a live
// server (none can be had where the console is built): its reply parsing
// is tested on replies in MongoDB's documented formats (docs/databases.md).
type mongoEngine struct {
	d config.Database
	o Options
}

func newMongo(d config.Database, o Options) Engine { return &mongoEngine{d: d, o: o} }

// mongoDSN is the connection string of one member, connected to directly.
func (e *mongoEngine) mongoDSN(addr string) string {
	return fillDSN(e.d.DSN, "mongodb://{host}:{port}/?directConnection=true", "27017", addr)
}

// command runs one admin command on the member at addr.
func (e *mongoEngine) command(ctx context.Context, addr string, cmd bson.D, out any) error {
	c, err := mongo.Connect(options.Client().ApplyURI(e.mongoDSN(addr)).SetConnectTimeout(e.o.Timeout).SetServerSelectionTimeout(e.o.Timeout))
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer func() { _ = c.Disconnect(context.WithoutCancel(ctx)) }()
	r := c.Database("admin").RunCommand(ctx, cmd)
	if out == nil {
		return r.Err()
	}
	return r.Decode(out)
}

// replSetStatus is the part of replSetGetStatus's reply the console reads
// (https://www.mongodb.com/docs/manual/reference/command/replSetGetStatus/).
type replSetStatus struct {
	Set     string `bson:"set"`
	Members []struct {
		Name                 string    `bson:"name"`
		Health               float64   `bson:"health"`
		State                int       `bson:"state"`
		StateStr             string    `bson:"stateStr"`
		OptimeDate           time.Time `bson:"optimeDate"`
		SyncSourceHost       string    `bson:"syncSourceHost"`
		LastHeartbeatMessage string    `bson:"lastHeartbeatMessage"`
	} `bson:"members"`
}

// Member states (replSetGetStatus "state").
const (
	mongoPrimary   = 1
	mongoSecondary = 2
	mongoArbiter   = 7
)

// fromStatus turns a replSetGetStatus reply into the cluster's view:
// PRIMARY is the primary, SECONDARY a replica, ARBITER an arbiter; any
// other state (RECOVERING, STARTUP2, DOWN, ...) an unhealthy replica. A
// secondary's lag is the primary's optime minus its own.
func fromStatus(name string, st replSetStatus) providers.Database {
	db := providers.Database{Name: name, Engine: "mongodb"}
	var primaryOp time.Time
	var hosts []string
	for _, m := range st.Members {
		if m.State == mongoPrimary {
			primaryOp = m.OptimeDate
		}
		hosts = append(hosts, m.Name)
	}
	for _, m := range st.Members {
		mm := providers.Member{Name: m.Name, Address: m.Name, Status: m.StateStr, Healthy: m.Health == 1}
		switch m.State {
		case mongoPrimary:
			mm.Role = providers.RolePrimary
		case mongoArbiter:
			mm.Role = providers.RoleArbiter
		case mongoSecondary:
			mm.Role = providers.RoleReplica
			if !primaryOp.IsZero() && !m.OptimeDate.IsZero() && primaryOp.After(m.OptimeDate) {
				mm.LagSeconds = primaryOp.Sub(m.OptimeDate).Seconds()
			}
			if m.SyncSourceHost != "" {
				mm.Status += " from " + m.SyncSourceHost
			}
		default:
			mm.Role = providers.RoleReplica
			mm.Healthy = false
		}
		if m.LastHeartbeatMessage != "" {
			mm.Status += ": " + oneLine(m.LastHeartbeatMessage)
		}
		db.Members = append(db.Members, mm)
	}
	if st.Set != "" {
		db.Endpoint = "mongodb://" + strings.Join(hosts, ",") + "/?replicaSet=" + st.Set
	}
	rollupStatus(&db)
	return db
}

// Probe implements Engine: replSetGetStatus on the first member that answers.
func (e *mongoEngine) Probe(ctx context.Context) providers.Database {
	var errs []string
	for _, addr := range e.d.Members {
		pctx, cancel := context.WithTimeout(ctx, 2*e.o.Timeout)
		var st replSetStatus
		err := e.command(pctx, addr, bson.D{{Key: "replSetGetStatus", Value: 1}}, &st)
		cancel()
		if err == nil {
			return fromStatus(e.d.Name, st)
		}
		errs = append(errs, addr+": "+oneLine(err.Error()))
	}
	db := providers.Database{Name: e.d.Name, Engine: "mongodb", Status: "unreachable: " + strings.Join(errs, "; ")}
	for _, addr := range e.d.Members {
		db.Members = append(db.Members, providers.Member{Name: addr, Address: addr, Status: "unreachable"})
	}
	return db
}

// freezeSeconds is how long the other secondaries may not stand for
// election while the primary steps down.
const freezeSeconds = 120

// PromotePlan implements Engine: the documented way to make one member
// primary with commands only (freeze the other secondaries, step the
// primary down), without changing the replica set's configuration.
func (e *mongoEngine) PromotePlan(addr string) ([]string, string) {
	var c []string
	for _, o := range e.d.Members {
		if o != addr {
			c = append(c, fmt.Sprintf("%s: replSetFreeze %d (unless it is the primary)", o, freezeSeconds))
		}
	}
	c = append(c, "the primary: replSetStepDown 60, secondaryCatchUpPeriodSecs 10",
		addr+": hello until isWritablePrimary")
	for _, o := range e.d.Members {
		if o != addr {
			c = append(c, o+": replSetFreeze 0 (unfreeze)")
		}
	}
	return c, "MongoDB is not tested against a live server (docs/databases.md)."
}

// Promote implements Engine.
func (e *mongoEngine) Promote(ctx context.Context, addr string, out io.Writer) error {
	db := e.Probe(ctx)
	prim := healthyPrimaries(db)
	others := slices.DeleteFunc(slices.Clone(e.d.Members), func(o string) bool { return o == addr || slices.Contains(prim, o) })
	unfreeze := func() {
		for _, o := range others {
			err := e.command(context.WithoutCancel(ctx), o, bson.D{{Key: "replSetFreeze", Value: 0}}, nil)
			fmt.Fprintf(out, "%s: replSetFreeze 0 %s\n", o, errText(err))
		}
	}
	defer unfreeze()
	for _, o := range others {
		err := e.command(ctx, o, bson.D{{Key: "replSetFreeze", Value: freezeSeconds}}, nil)
		fmt.Fprintf(out, "%s: replSetFreeze %d %s\n", o, freezeSeconds, errText(err))
		if err != nil {
			return fmt.Errorf("freeze %s: %w", o, err)
		}
	}
	for _, p := range prim {
		err := e.command(ctx, p, bson.D{{Key: "replSetStepDown", Value: 60}, {Key: "secondaryCatchUpPeriodSecs", Value: 10}}, nil)
		fmt.Fprintf(out, "%s: replSetStepDown 60 %s\n", p, errText(err))
		// The primary closes its connections as it steps down: an error
		// here is expected; the election below says whether it worked.
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		var hello struct {
			IsWritablePrimary bool `bson:"isWritablePrimary"`
		}
		if err := e.command(ctx, addr, bson.D{{Key: "hello", Value: 1}}, &hello); err == nil && hello.IsWritablePrimary {
			fmt.Fprintf(out, "%s: isWritablePrimary\n", addr)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not become primary: %w", addr, ctx.Err())
		case <-tick.C:
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	return "failed: " + oneLine(err.Error())
}
