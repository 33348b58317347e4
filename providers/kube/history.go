package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/opsconsole/console/actions"
	"github.com/opsconsole/console/actions/kubectl"
)

// Annotations and labels of a workload's revisions (the ones `kubectl
// rollout history` reads).
const (
	revisionAnnotation    = "deployment.kubernetes.io/revision"
	changeCauseAnnotation = "kubernetes.io/change-cause"
)

// history returns the function reading the revisions of workload kind
// ns/name with the user's client: a Deployment's ReplicaSets, a
// StatefulSet's or DaemonSet's ControllerRevisions, those the workload
// controls (as kubectl rollout history and undo find them).
func (p *Provider) history(kind actions.Kind, ns, name string) kubectl.HistoryFunc {
	return func(ctx context.Context) (kubectl.History, error) {
		apps := p.user.AppsV1()
		var owner metav1.Object
		var sel *metav1.LabelSelector
		var current corev1.PodTemplateSpec
		switch kind {
		case actions.KindDeployment:
			d, err := apps.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return kubectl.History{}, err
			}
			owner, sel, current = d, d.Spec.Selector, d.Spec.Template
		case actions.KindStatefulSet:
			s, err := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return kubectl.History{}, err
			}
			owner, sel, current = s, s.Spec.Selector, s.Spec.Template
		case actions.KindDaemonSet:
			d, err := apps.DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return kubectl.History{}, err
			}
			owner, sel, current = d, d.Spec.Selector, d.Spec.Template
		default:
			return kubectl.History{}, fmt.Errorf("a %s has no revisions", kind)
		}
		selector, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			return kubectl.History{}, fmt.Errorf("selector of %s %s/%s: %w", kind, ns, name, err)
		}
		h := kubectl.History{}
		if h.Current, err = templateText(current); err != nil {
			return kubectl.History{}, err
		}
		opts := metav1.ListOptions{LabelSelector: selector.String()}
		if kind == actions.KindDeployment {
			rss, err := apps.ReplicaSets(ns).List(ctx, opts)
			if err != nil {
				return kubectl.History{}, err
			}
			for i := range rss.Items {
				rs := &rss.Items[i]
				if r, ok, err := replicaSetRevision(owner, rs); err != nil {
					return kubectl.History{}, err
				} else if ok {
					h.Revisions = append(h.Revisions, r)
				}
			}
			return h, nil
		}
		crs, err := apps.ControllerRevisions(ns).List(ctx, opts)
		if err != nil {
			return kubectl.History{}, err
		}
		for i := range crs.Items {
			if r, ok, err := controllerRevision(owner, &crs.Items[i]); err != nil {
				return kubectl.History{}, err
			} else if ok {
				h.Revisions = append(h.Revisions, r)
			}
		}
		return h, nil
	}
}

// replicaSetRevision is the revision a Deployment's ReplicaSet holds
// (false when owner does not control it or it has no revision): its
// template without the pod-template-hash label the controller adds.
func replicaSetRevision(owner metav1.Object, rs *appsv1.ReplicaSet) (kubectl.Revision, bool, error) {
	if !metav1.IsControlledBy(rs, owner) {
		return kubectl.Revision{}, false, nil
	}
	n, err := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	if err != nil {
		return kubectl.Revision{}, false, nil
	}
	t := *rs.Spec.Template.DeepCopy()
	delete(t.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	if len(t.Labels) == 0 {
		t.Labels = nil
	}
	return revision(n, rs.CreationTimestamp, rs.Annotations[changeCauseAnnotation], t)
}

// controllerRevision is the revision a StatefulSet's or DaemonSet's
// ControllerRevision holds: its data is the patch the controller applies,
// {"spec":{"template":{…,"$patch":"replace"}}}.
func controllerRevision(owner metav1.Object, cr *appsv1.ControllerRevision) (kubectl.Revision, bool, error) {
	if !metav1.IsControlledBy(cr, owner) {
		return kubectl.Revision{}, false, nil
	}
	var data struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(cr.Data.Raw, &data); err != nil {
		return kubectl.Revision{}, false, fmt.Errorf("controllerrevision %s/%s: %w", cr.Namespace, cr.Name, err)
	}
	return revision(cr.Revision, cr.CreationTimestamp, cr.Annotations[changeCauseAnnotation], data.Spec.Template)
}

func revision(n int64, created metav1.Time, cause string, t corev1.PodTemplateSpec) (kubectl.Revision, bool, error) {
	text, err := templateText(t)
	if err != nil {
		return kubectl.Revision{}, false, err
	}
	r := kubectl.Revision{Number: n, Created: created.Time, ChangeCause: cause, Template: text}
	for _, c := range t.Spec.Containers {
		r.Images = append(r.Images, c.Image)
	}
	return r, true, nil
}

// templateText is a pod template as YAML (keys sorted, so equal templates
// are equal texts); the creation timestamp a template never has is left out.
func templateText(t corev1.PodTemplateSpec) (string, error) {
	t.CreationTimestamp = metav1.Time{}
	b, err := yaml.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("pod template: %w", err)
	}
	return string(b), nil
}
