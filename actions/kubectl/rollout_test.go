package kubectl

import (
	"strings"
	"testing"
)

func TestRolloutState(t *testing.T) {
	i := func(n int64) *int64 { return &n }
	st := func(f func(w *workloadStatus)) workloadStatus {
		var w workloadStatus
		w.Strategy = "RollingUpdate"
		f(&w)
		return w
	}
	tests := []struct {
		name      string
		kind      string
		gen       int64
		w         workloadStatus
		wantDone  bool
		wantFinal bool
		want      string
	}{
		{"deployment complete", "deployment", 2, st(func(w *workloadStatus) {
			w.Replicas = i(3)
			w.Status.ObservedGeneration, w.Status.Replicas, w.Status.UpdatedReplicas, w.Status.AvailableReplicas = 2, 3, 3, 3
		}), true, false, "3 of 3 updated replicas are available"},
		{"deployment 2 of 3 available", "deployment", 2, st(func(w *workloadStatus) {
			w.Replicas = i(3)
			w.Status.ObservedGeneration, w.Status.Replicas, w.Status.UpdatedReplicas, w.Status.AvailableReplicas = 2, 3, 3, 2
		}), false, false, "2 of 3 updated replicas are available"},
		{"deployment not all updated", "deployment", 2, st(func(w *workloadStatus) {
			w.Replicas = i(3)
			w.Status.ObservedGeneration, w.Status.Replicas, w.Status.UpdatedReplicas, w.Status.AvailableReplicas = 2, 4, 1, 1
		}), false, false, "1 of 3 new replicas have been updated"},
		{"deployment generation not observed", "deployment", 3, st(func(w *workloadStatus) {
			w.Replicas = i(1)
			w.Status.ObservedGeneration, w.Status.Replicas, w.Status.UpdatedReplicas, w.Status.AvailableReplicas = 2, 1, 1, 1
		}), false, false, "not observed the restart"},
		{"deployment scaled to zero", "deployment", 1, st(func(w *workloadStatus) {
			w.Replicas = i(0)
			w.Status.ObservedGeneration = 1
		}), true, false, "0 of 0"},
		{"statefulset ready at one revision", "statefulset", 4, st(func(w *workloadStatus) {
			w.Replicas = i(2)
			w.Status.ObservedGeneration, w.Status.ReadyReplicas, w.Status.UpdatedReplicas = 4, 2, 2
			w.Status.CurrentRevision, w.Status.UpdateRevision = "r2", "r2"
		}), true, false, "at revision r2"},
		{"statefulset revisions differ", "statefulset", 4, st(func(w *workloadStatus) {
			w.Replicas = i(2)
			w.Status.ObservedGeneration, w.Status.ReadyReplicas, w.Status.UpdatedReplicas = 4, 2, 1
			w.Status.CurrentRevision, w.Status.UpdateRevision = "r1", "r2"
		}), false, false, "1 pods are at revision r2"},
		{"statefulset pod not ready", "statefulset", 4, st(func(w *workloadStatus) {
			w.Replicas = i(3)
			w.Status.ObservedGeneration, w.Status.ReadyReplicas = 4, 2
		}), false, false, "2 of 3 pods are ready"},
		{"statefulset partition reached", "statefulset", 4, st(func(w *workloadStatus) {
			w.Replicas, w.Partition = i(3), i(2)
			w.Status.ObservedGeneration, w.Status.ReadyReplicas, w.Status.UpdatedReplicas = 4, 3, 1
			w.Status.CurrentRevision, w.Status.UpdateRevision = "r1", "r2"
		}), true, false, "partitioned rollout complete"},
		{"statefulset OnDelete never completes alone", "statefulset", 4, workloadStatus{Strategy: "OnDelete"}, false, true, "OnDelete"},
		{"daemonset not all available", "daemonset", 2, st(func(w *workloadStatus) {
			w.Status.ObservedGeneration, w.Status.DesiredNumberScheduled, w.Status.UpdatedNumberScheduled, w.Status.NumberAvailable = 2, 3, 3, 2
		}), false, false, "2 of 3 updated pods are available"},
		{"daemonset complete", "daemonset", 2, st(func(w *workloadStatus) {
			w.Status.ObservedGeneration, w.Status.DesiredNumberScheduled, w.Status.UpdatedNumberScheduled, w.Status.NumberAvailable = 2, 3, 3, 3
		}), true, false, "3 of 3 updated pods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done, msg, final := rolloutState(tt.kind, tt.gen, tt.w)
			if done != tt.wantDone || final != tt.wantFinal || !strings.Contains(msg, tt.want) {
				t.Errorf("rolloutState = %v %q %v, want %v %q %v", done, msg, final, tt.wantDone, tt.want, tt.wantFinal)
			}
		})
	}
}
