package kubectl

import (
	"context"
	"fmt"
	"time"
)

// DefaultRolloutWait bounds how long a restart's verification waits for the
// rollout to complete (within the executor's verification budget).
const DefaultRolloutWait = 90 * time.Second

// rolloutPoll is how often the verification re-reads a rolling workload.
const rolloutPoll = time.Second

// workloadStatus is what the rollout rules read from a deployment,
// statefulset or daemonset (`kubectl get -o json`).
type workloadStatus struct {
	Strategy string // spec.strategy.type / spec.updateStrategy.type
	Replicas *int64 // spec.replicas
	// Partition is a statefulset's spec.updateStrategy.rollingUpdate.partition.
	Partition *int64
	Status    struct {
		ObservedGeneration     int64  `json:"observedGeneration"`
		Replicas               int64  `json:"replicas"`
		UpdatedReplicas        int64  `json:"updatedReplicas"`
		ReadyReplicas          int64  `json:"readyReplicas"`
		AvailableReplicas      int64  `json:"availableReplicas"`
		CurrentRevision        string `json:"currentRevision"`
		UpdateRevision         string `json:"updateRevision"`
		DesiredNumberScheduled int64  `json:"desiredNumberScheduled"`
		UpdatedNumberScheduled int64  `json:"updatedNumberScheduled"`
		NumberAvailable        int64  `json:"numberAvailable"`
		Conditions             []struct {
			Type   string `json:"type"`
			Reason string `json:"reason"`
		} `json:"conditions"`
	}
}

// rolloutState applies kubectl rollout status's rules to a workload of
// kind at generation: done when the rollout completed; otherwise what is
// missing, and final when waiting cannot help (the progress deadline was
// exceeded, or the update strategy never replaces pods on its own).
func rolloutState(kind string, generation int64, w workloadStatus) (done bool, missing string, final bool) {
	s := w.Status
	switch kind {
	case "deployment":
		if generation > s.ObservedGeneration {
			return false, fmt.Sprintf("the controller has not observed the restart (generation %d, observed %d)", generation, s.ObservedGeneration), false
		}
		for _, c := range s.Conditions {
			if c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded" {
				return false, "the rollout exceeded its progress deadline", true
			}
		}
		if w.Replicas != nil && s.UpdatedReplicas < *w.Replicas {
			return false, fmt.Sprintf("%d of %d new replicas have been updated", s.UpdatedReplicas, *w.Replicas), false
		}
		if s.Replicas > s.UpdatedReplicas {
			return false, fmt.Sprintf("%d old replicas are pending termination", s.Replicas-s.UpdatedReplicas), false
		}
		if s.AvailableReplicas < s.UpdatedReplicas {
			return false, fmt.Sprintf("%d of %d updated replicas are available", s.AvailableReplicas, s.UpdatedReplicas), false
		}
		return true, fmt.Sprintf("%d of %d updated replicas are available", s.AvailableReplicas, s.UpdatedReplicas), false
	case "statefulset":
		if w.Strategy != "" && w.Strategy != "RollingUpdate" {
			return false, fmt.Sprintf("the update strategy is %s: pods restart only when deleted", w.Strategy), true
		}
		if s.ObservedGeneration == 0 || generation > s.ObservedGeneration {
			return false, fmt.Sprintf("the controller has not observed the restart (generation %d, observed %d)", generation, s.ObservedGeneration), false
		}
		if w.Replicas != nil && s.ReadyReplicas < *w.Replicas {
			return false, fmt.Sprintf("%d of %d pods are ready", s.ReadyReplicas, *w.Replicas), false
		}
		if w.Replicas != nil && w.Partition != nil && *w.Partition > 0 {
			if want := *w.Replicas - *w.Partition; s.UpdatedReplicas < want {
				return false, fmt.Sprintf("%d of %d pods of the partitioned rollout are updated", s.UpdatedReplicas, want), false
			}
			return true, fmt.Sprintf("partitioned rollout complete: %d pods updated", s.UpdatedReplicas), false
		}
		if s.UpdateRevision != s.CurrentRevision {
			return false, fmt.Sprintf("%d pods are at revision %s, the rest not yet", s.UpdatedReplicas, s.UpdateRevision), false
		}
		return true, fmt.Sprintf("%d pods ready at revision %s", s.ReadyReplicas, s.CurrentRevision), false
	case "daemonset":
		if w.Strategy != "" && w.Strategy != "RollingUpdate" {
			return false, fmt.Sprintf("the update strategy is %s: pods restart only when deleted", w.Strategy), true
		}
		if generation > s.ObservedGeneration {
			return false, fmt.Sprintf("the controller has not observed the restart (generation %d, observed %d)", generation, s.ObservedGeneration), false
		}
		if s.UpdatedNumberScheduled < s.DesiredNumberScheduled {
			return false, fmt.Sprintf("%d of %d new pods have been updated", s.UpdatedNumberScheduled, s.DesiredNumberScheduled), false
		}
		if s.NumberAvailable < s.DesiredNumberScheduled {
			return false, fmt.Sprintf("%d of %d updated pods are available", s.NumberAvailable, s.DesiredNumberScheduled), false
		}
		return true, fmt.Sprintf("%d of %d updated pods are available", s.NumberAvailable, s.DesiredNumberScheduled), false
	}
	return false, "no rollout rules for a " + kind, true
}

// WaitRollout sets how long a restart's verification waits for the
// rollout to complete (default DefaultRolloutWait) and returns a.
func (a *Action) WaitRollout(d time.Duration) *Action {
	a.rolloutWait = d
	return a
}

// verifyRollout waits until the restarted workload's rollout completes (as
// `kubectl rollout status` decides), the rollout cannot complete, the wait
// is over or ctx is done. It fails naming what is missing.
func (a *Action) verifyRollout(ctx context.Context, st objectState) (bool, string, error) {
	return a.waitRollout(ctx, st, string(a.t.Kind)+"/"+a.t.Name+" restarted", " at "+st.RestartedAt)
}

// waitRollout waits for the rollout of the change done ("deployment/web
// restarted") as verifyRollout does; at is added to done in the success
// message.
func (a *Action) waitRollout(ctx context.Context, st objectState, done, at string) (bool, string, error) {
	wait := a.rolloutWait
	if wait <= 0 {
		wait = DefaultRolloutWait
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	tick := time.NewTicker(rolloutPoll)
	defer tick.Stop()
	for {
		complete, missing, final := rolloutState(string(a.t.Kind), st.Generation, st.Workload)
		switch {
		case complete:
			return true, fmt.Sprintf("%s%s and rolled out: %s", done, at, missing), nil
		case final:
			return false, fmt.Sprintf("%s but the rollout did not complete: %s", done, missing), nil
		}
		select {
		case <-ctx.Done():
			return false, fmt.Sprintf("%s but the rollout had not completed when verification stopped: %s", done, missing), nil
		case <-deadline.C:
			return false, fmt.Sprintf("%s but the rollout had not completed after %s: %s", done, wait, missing), nil
		case <-tick.C:
		}
		next, err := a.get(ctx)
		if err != nil {
			if ctx.Err() != nil {
				continue // reported as not completed above
			}
			return false, "", err
		}
		st = next
	}
}
