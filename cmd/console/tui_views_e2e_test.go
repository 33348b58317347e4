package main

import (
	"context"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/opsconsole/console/e2e/lab"
)

// TestTUIWorkloadViewsEndToEnd runs the real binary in tmux at 80x24
// against the lab's kube-apiserver and lab-kubelet: :deploy lists the
// Deployments with the counts their status says, enter on one opens the
// Pods view with exactly its pods (running on the kubelet), not another
// Deployment's; :ing lists an Ingress with its path → backend and enter
// opens that Service in the Services view; :cj lists a CronJob and its
// Job, enter follows CronJob → Job → the Job's pod.
func TestTUIWorkloadViewsEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-apiserver and the kubelet, runs the binary")
	}
	k := lab.Kube(t)
	kl := k.Kubelet(t, "lab-kubelet-0")
	lab.RequireProgram(t, "tmux")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := k.Client()
	sleeper := []corev1.Container{{Name: "app", Command: []string{"sh", "-c", "while :; do sleep 1; done"}}}
	web, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "web", Replicas: 2, Nodes: kl.Nodes, Containers: sleeper})
	if err != nil {
		t.Fatal(err)
	}
	api, err := lab.RunDeployment(ctx, c, lab.RunSpec{Namespace: "shop", Name: "api", Replicas: 1, Nodes: kl.Nodes, Containers: sleeper})
	if err != nil {
		t.Fatal(err)
	}
	// the status the deployment controller (not in the lab) would write
	d, err := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d.Status = lab.RolledOut(d.Generation, 2)
	if _, err := c.AppsV1().Deployments("shop").UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// a Service in front of web and an Ingress routing to it
	if _, err := c.CoreV1().Services("shop").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pathType := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "storefront"},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "shop.example.com", IngressRuleValue: networkingv1.IngressRuleValue{
			HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &pathType,
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web",
					Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}}}
	if _, err := c.NetworkingV1().Ingresses("shop").Create(ctx, ing, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// a CronJob, a Job it owns and the Job's pod running on the kubelet
	// (the lab runs no job controller: the test writes what it would)
	yes := true
	cj, err := c.BatchV1().CronJobs("shop").Create(ctx, &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "nightly"},
		Spec: batchv1.CronJobSpec{Schedule: "0 2 * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "report", Image: "lab.local/process"}}}}}}}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.BatchV1().Jobs("shop").Create(ctx, &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "nightly-29001",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID, Controller: &yes}}},
		Spec: batchv1.JobSpec{ManualSelector: &yes, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"job": "nightly-29001"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"job": "nightly-29001"}},
				Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
					{Name: "app", Image: "lab.local/process", Command: sleeper[0].Command}}}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobPod := "nightly-29001-x7k2p"
	if _, err := c.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: jobPod,
		Labels:          map[string]string{"job": "nightly-29001"},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: job.Name, UID: job.UID, Controller: &yes}}},
		Spec: corev1.PodSpec{NodeName: kl.Nodes[0], RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{
			{Name: "app", Image: "lab.local/process", Command: sleeper[0].Command}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// a ConfigMap and a pod taking its keys as environment (envFrom), and
	// a pod taking a Secret of the same name, which must not count
	if _, err := c.CoreV1().ConfigMaps("shop").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-config"},
		Data: map[string]string{"GREETING": "hello", "LEVEL": "debug"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cmPod := "cm-user"
	if _, err := c.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: cmPod},
		Spec: corev1.PodSpec{NodeName: kl.Nodes[0], Containers: []corev1.Container{{Name: "app", Image: "lab.local/process", Command: sleeper[0].Command,
			EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}}}}}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().Secrets("shop").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-config"},
		StringData: map[string]string{"token": "s3cr3t"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	secretPod := "secret-user"
	if _, err := c.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: secretPod},
		Spec: corev1.PodSpec{NodeName: kl.Nodes[0], Containers: []corev1.Container{{Name: "app", Image: "lab.local/process", Command: sleeper[0].Command,
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "web-config"}}}}}}}},
		metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	bin, err := buildConsole(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, wait := startInTmux(t, bin, 80, 24, nil, "--kubeconfig", k.Kubeconfig, "--view", "pods")
	s.waitAll("the pods", "[Pods]", web[0], web[1], api[0])

	s.keys(":deploy", "Enter")
	s.waitAll("the deployments", "[Deploy]", "UP-TO-DATE", "AVAILABLE", "api")
	s.waitUntil("web 2/2 ready, 2 up to date, 2 available, 0 restarts, its image", func(scr string) bool {
		return strings.HasPrefix(strings.Join(strings.Fields(lineWith(scr, " web ")), " "), "shop web ✓ 2/2 2 2 0 lab.local/process ")
	})
	s.keys("/web", "Enter", "Enter")
	scr := s.waitAll("the pods of web", "[Pods]", web[0], web[1], "the 2 pods of deployment shop/web")
	if strings.Contains(scr, api[0]) {
		t.Errorf("the pods of web show api's pod %s:\n%s", api[0], scr)
	}
	s.keys("/", "C-u", "Enter") // the filter cleared: every pod again
	s.waitAll("every pod", web[0], api[0])

	// :ing lists the Ingress with its path → backend; enter opens the
	// backend Service in the Services view
	// The Service is first seen in the Services view: the Ingress view reads
	// the API server when shown, the Services view the console's informer,
	// which on a loaded machine can be behind.
	s.keys(":svc", "Enter")
	s.waitUntil("the service web in the Services view", func(scr string) bool {
		return strings.Contains(scr, "[Svc]") && strings.Contains(strings.Join(strings.Fields(lineWith(scr, " web ")), " "), "shop web ClusterIP")
	})
	s.keys(":ing", "Enter")
	s.waitAll("the ingresses", "[Ing]", "storefront", "shop.example.com", "/ → web:80", "1 ingresses · kube:")
	s.keys("Enter")
	s.waitUntil("the backend service", func(scr string) bool {
		return strings.Contains(scr, "[Svc]") && strings.Contains(scr, "service shop/web behind ingress storefront") &&
			strings.HasPrefix(strings.Join(strings.Fields(selectedLine(scr)), " "), "▸ shop web ClusterIP")
	})

	// :cj lists the CronJob and its Job; enter on the CronJob keeps its
	// Jobs, enter on the Job shows its pod
	s.keys(":cj", "Enter")
	s.waitAll("the cronjobs and jobs", "[Jobs]", "0 2 * * *", "nightly-29001", "2 jobs and cronjobs · kube:")
	s.waitUntil("the cronjob under the cursor", func(scr string) bool { return strings.Contains(selectedLine(scr), "CronJob") })
	s.keys("Enter")
	s.waitAll("the jobs of the cronjob", "the jobs of cronjob shop/nightly", "nightly-29001")
	s.keys("Enter")
	scr = s.waitAll("the pods of the job", "[Pods]", jobPod, "the pods of job shop/nightly-29001")
	if strings.Contains(scr, web[0]) {
		t.Errorf("the job's pods show web's pod %s:\n%s", web[0], scr)
	}

	// :cm lists the ConfigMap with its size and its one user (the key names
	// are the first column dropped at 80 cells); enter opens
	// the Pods view with that pod only
	s.keys(":cm", "Enter")
	s.waitAll("the configmaps", "[CM]", "web-config", " configmaps · kube:")
	s.keys("/web-config", "Enter")
	s.waitUntil("web-config under the cursor, used by its pod", func(scr string) bool {
		line := strings.Join(strings.Fields(selectedLine(scr)), " ")
		return strings.HasPrefix(line, "▸ shop web-config 2 ") && strings.Contains(line, " 10B "+cmPod+" ")
	})
	s.keys("Enter")
	scr = s.waitAll("the pods using the configmap", "[Pods]", cmPod, "the pods using configmap shop/web-config")
	if strings.Contains(scr, web[0]) || strings.Contains(scr, jobPod) || strings.Contains(scr, secretPod) {
		t.Errorf("the configmap's pods show a pod that does not use it:\n%s", scr)
	}

	s.keys("q")
	if got := wait(); got != "EXIT=0" {
		t.Fatalf("console exited with %s; screen:\n%s", got, s.capture())
	}
}
