package kube

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestConvertClaimPhase: the phase as kubectl prints it, Terminating for
// a claim being deleted whatever its phase.
func TestConvertClaimPhase(t *testing.T) {
	deleted := metav1.NewTime(time.Unix(1_800_000_000, 0))
	for _, tc := range []struct {
		name    string
		phase   corev1.PersistentVolumeClaimPhase
		deleted *metav1.Time
		want    string
	}{
		{"bound", corev1.ClaimBound, nil, "Bound"},
		{"pending", corev1.ClaimPending, nil, "Pending"},
		{"bound, being deleted", corev1.ClaimBound, &deleted, "Terminating"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-0", Namespace: "db", DeletionTimestamp: tc.deleted},
				Status: corev1.PersistentVolumeClaimStatus{Phase: tc.phase}}
			if got := convertClaim(c).claim.Phase; got != tc.want {
				t.Errorf("phase %q, want %q", got, tc.want)
			}
		})
	}
}
