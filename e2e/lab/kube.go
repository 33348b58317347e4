package lab

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeContext is the context name in every kubeconfig the lab writes.
const KubeContext = "lab"

// UsersNamespace holds the ServiceAccounts behind restricted users.
const UsersNamespace = "lab-users"

// KubeCluster is etcd + kube-apiserver with token authentication and RBAC.
// There is no scheduler or controller-manager: objects are what the test
// (or the seeder) writes. A kubelet (lab-kubelet) runs only when started
// with StartKubelet, for the nodes it names.
type KubeCluster struct {
	// Kubeconfig is the admin kubeconfig (context "lab", group system:masters).
	Kubeconfig string
	// Server is the apiserver URL (https://127.0.0.1:PORT).
	Server string
	// Etcd is the etcd client URL.
	Etcd string
	// Dir holds data, certificates and logs.
	Dir string
	// AdminToken is the bearer token of the admin user.
	AdminToken string

	caPEM   []byte
	caCert  *x509.Certificate
	caKey   *ecdsa.PrivateKey
	args    []string
	apiPath string

	mu       sync.Mutex
	etcd     *process
	api      *process
	client   kubernetes.Interface
	kubelets []*Kubelet
}

// Kube starts etcd + kube-apiserver for a test; they stop at t.Cleanup.
func Kube(t testing.TB) *KubeCluster {
	t.Helper()
	k, err := StartKube(testContext(t), t.TempDir())
	Require(t, "kube-apiserver", err)
	t.Cleanup(k.Close)
	return k
}

// StartKube starts etcd and kube-apiserver with their data in dir and waits
// until the apiserver is ready (/readyz).
func StartKube(ctx context.Context, dir string) (*KubeCluster, error) {
	apiPath, err := builtBin("kube-apiserver")
	if err != nil {
		return nil, &StartError{Component: "kube-apiserver", Err: err}
	}
	etcdPath, err := lookPath("etcd")
	if err != nil {
		return nil, &StartError{Component: "etcd", Err: err}
	}
	k := &KubeCluster{Dir: dir, apiPath: apiPath}
	if err := k.writeCredentials(); err != nil {
		return nil, &StartError{Component: "kube-apiserver", Err: err}
	}
	if err := k.startEtcd(ctx, etcdPath); err != nil {
		k.Close()
		return nil, err
	}
	_, err = withPortRetry(func(int) (struct{}, error, bool) {
		port, err := FreePort()
		if err != nil {
			return struct{}{}, err, false
		}
		k.Server = fmt.Sprintf("https://127.0.0.1:%d", port)
		k.args = k.apiserverArgs(port)
		err = k.startAPIServer(ctx)
		return struct{}{}, err, err != nil && portInUse(k.apiLog())
	})
	if err != nil {
		k.Close()
		return nil, err
	}
	if err := k.writeKubeconfig(k.Kubeconfig, "admin", k.AdminToken); err != nil {
		k.Close()
		return nil, &StartError{Component: "kube-apiserver", Err: err}
	}
	return k, nil
}

func (k *KubeCluster) apiLog() string { return filepath.Join(k.Dir, "kube-apiserver.log") }

// writeCredentials writes the CA, serving certificate, service-account keys
// and the static token file.
func (k *KubeCluster) writeCredentials() error {
	certs := filepath.Join(k.Dir, "pki")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		return fmt.Errorf("create pki dir: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "lab-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return fmt.Errorf("parse CA certificate: %w", err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate serving key: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("create serving certificate: %w", err)
	}
	k.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	k.caCert, k.caKey = caCert, caKey
	// The kubelet's serving certificate (the API server checks it with
	// --kubelet-certificate-authority) and the API server's client
	// certificate for the kubelet API (the kubelet checks it against the CA).
	kubeletCert, kubeletKey, err := issueCert(caCert, caKey, &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "lab-kubelet"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	})
	if err != nil {
		return fmt.Errorf("kubelet serving certificate: %w", err)
	}
	clientCert, clientKey, err := issueCert(caCert, caKey, &x509.Certificate{
		SerialNumber: big.NewInt(4),
		Subject:      pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return fmt.Errorf("kubelet client certificate: %w", err)
	}
	srvKeyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return fmt.Errorf("encode serving key: %w", err)
	}
	// Service-account token signing keys (RSA, as the apiserver expects).
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate service-account key: %w", err)
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return fmt.Errorf("encode service-account public key: %w", err)
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return fmt.Errorf("generate admin token: %w", err)
	}
	k.AdminToken = hex.EncodeToString(tok)
	files := map[string][]byte{
		"ca.crt":             k.caPEM,
		"server.crt":         pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
		"server.key":         pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: srvKeyDER}),
		"sa.key":             pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}),
		"sa.pub":             pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}),
		"tokens.csv":         fmt.Appendf(nil, "%s,admin,admin,\"system:masters\"\n", k.AdminToken),
		"kubelet.crt":        kubeletCert,
		"kubelet.key":        kubeletKey,
		"kubelet-client.crt": clientCert,
		"kubelet-client.key": clientKey,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(certs, name), data, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	k.Kubeconfig = filepath.Join(k.Dir, "admin.kubeconfig")
	return nil
}

func (k *KubeCluster) startEtcd(ctx context.Context, etcdPath string) error {
	logPath := filepath.Join(k.Dir, "etcd.log")
	_, err := withPortRetry(func(int) (struct{}, error, bool) {
		ports, err := freePorts(2)
		if err != nil {
			return struct{}{}, err, false
		}
		client, peer := fmt.Sprintf("http://127.0.0.1:%d", ports[0]), fmt.Sprintf("http://127.0.0.1:%d", ports[1])
		dataDir := filepath.Join(k.Dir, "etcd")
		_ = os.RemoveAll(dataDir)
		p, err := startProcess(procSpec{name: "etcd", path: etcdPath, dir: k.Dir, logPath: logPath, args: []string{
			"--name", "lab", "--data-dir", dataDir,
			"--listen-client-urls", client, "--advertise-client-urls", client,
			"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
			"--initial-cluster", "lab=" + peer, "--initial-cluster-state", "new",
			"--quota-backend-bytes", "8589934592", "--snapshot-count", "100000",
			"--log-level", "warn",
		}})
		if err != nil {
			return struct{}{}, &StartError{Component: "etcd", Err: err}, false
		}
		k.mu.Lock()
		k.etcd = p
		k.mu.Unlock()
		if err := waitFor(ctx, p, httpOK(client+"/health")); err != nil {
			p.stop(syscall.SIGTERM, 2*time.Second)
			return struct{}{}, startErr("etcd", err, logPath), portInUse(logPath)
		}
		k.Etcd = client
		return struct{}{}, nil, false
	})
	return err
}

func (k *KubeCluster) apiserverArgs(port int) []string {
	pki := func(name string) string { return filepath.Join(k.Dir, "pki", name) }
	return []string{
		"--etcd-servers=" + k.Etcd,
		"--etcd-prefix=/registry",
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port),
		"--tls-cert-file=" + pki("server.crt"),
		"--tls-private-key-file=" + pki("server.key"),
		"--client-ca-file=" + pki("ca.crt"),
		"--token-auth-file=" + pki("tokens.csv"),
		"--authorization-mode=RBAC",
		"--anonymous-auth=false",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki("sa.pub"),
		"--service-account-signing-key-file=" + pki("sa.key"),
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.0.0.0/24",
		// No controller-manager creates the default ServiceAccounts, so pods
		// must not require one.
		"--disable-admission-plugins=ServiceAccount",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
		"--max-requests-inflight=2000",
		"--max-mutating-requests-inflight=1000",
		// The kubelet API (lab-kubelet, KubeCluster.StartKubelet): nodes
		// advertise 127.0.0.1 as their InternalIP and their kubelet port.
		"--kubelet-client-certificate=" + pki("kubelet-client.crt"),
		"--kubelet-client-key=" + pki("kubelet-client.key"),
		"--kubelet-certificate-authority=" + pki("ca.crt"),
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--kubelet-timeout=5s",
		"--cert-dir=" + filepath.Join(k.Dir, "pki"),
		"--v=1",
	}
}

// startAPIServer starts kube-apiserver with k.args and waits for /readyz.
func (k *KubeCluster) startAPIServer(ctx context.Context) error {
	p, err := startProcess(procSpec{name: "kube-apiserver", path: k.apiPath, args: k.args, dir: k.Dir, logPath: k.apiLog()})
	if err != nil {
		return &StartError{Component: "kube-apiserver", Err: err}
	}
	k.mu.Lock()
	k.api = p
	k.mu.Unlock()
	if err := waitFor(ctx, p, k.readyz); err != nil {
		p.stop(syscall.SIGTERM, 2*time.Second)
		return startErr("kube-apiserver", err, k.apiLog())
	}
	return nil
}

func (k *KubeCluster) httpClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(k.caPEM)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 5 * time.Second}
}

func (k *KubeCluster) readyz(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.Server+"/readyz", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.AdminToken)
	c := k.httpClient()
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s", resp.Status)
	}
	return nil
}

// RESTConfig returns an admin client configuration with high rate limits.
func (k *KubeCluster) RESTConfig() *rest.Config {
	return &rest.Config{
		Host:            k.Server,
		BearerToken:     k.AdminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: k.caPEM},
		QPS:             2000,
		Burst:           4000,
		Timeout:         30 * time.Second,
	}
}

// Client returns an admin clientset (cached).
func (k *KubeCluster) Client() kubernetes.Interface {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.client == nil {
		c, err := kubernetes.NewForConfig(k.RESTConfig())
		if err != nil {
			// NewForConfig fails only on a malformed config, which the lab
			// never builds.
			panic(fmt.Sprintf("lab: admin client: %v", err))
		}
		k.client = c
	}
	return k.client
}

// Env returns the environment that points kubectl (and client-go's default
// loading rules) at the admin kubeconfig.
func (k *KubeCluster) Env() []string {
	return []string{"KUBECONFIG=" + k.Kubeconfig}
}

// writeKubeconfig writes a kubeconfig with one context "lab" for a user.
func (k *KubeCluster) writeKubeconfig(path, user, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["lab"] = &clientcmdapi.Cluster{Server: k.Server, CertificateAuthorityData: k.caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[KubeContext] = &clientcmdapi.Context{Cluster: "lab", AuthInfo: user}
	cfg.CurrentContext = KubeContext
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// UserSpec describes a restricted user.
type UserSpec struct {
	// Name of the user (a ServiceAccount in UsersNamespace).
	Name string
	// Namespaces the user may read and act in.
	Namespaces []string
	// Nodes grants get/list/watch on nodes.
	Nodes bool
}

// User returns the kubeconfig of a restricted user who may read and act
// only in the given namespaces (nil: no rights at all beyond discovery).
func (k *KubeCluster) User(t testing.TB, name string, namespaces []string) string {
	t.Helper()
	path, err := k.CreateUser(testContext(t), UserSpec{Name: name, Namespaces: namespaces})
	if err != nil {
		t.Fatalf("lab: create kube user %q: %v", name, err)
	}
	return path
}

// namespacedRules are what a restricted user may do in its namespaces:
// read the workload objects and run the console's actions.
var namespacedRules = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "delete"}},
	{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	{APIGroups: []string{""}, Resources: []string{"pods/eviction"}, Verbs: []string{"create"}},
	{APIGroups: []string{""}, Resources: []string{"events", "services", "endpoints", "configmaps", "replicationcontrollers", "persistentvolumeclaims"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets", "statefulsets", "daemonsets"}, Verbs: []string{"get", "list", "watch", "patch", "update"}},
	{APIGroups: []string{"apps"}, Resources: []string{"deployments/scale", "replicasets/scale", "statefulsets/scale"}, Verbs: []string{"get", "patch", "update"}},
	{APIGroups: []string{"batch"}, Resources: []string{"jobs", "cronjobs"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}},
	{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: []string{"get", "list", "watch"}},
}

// CreateUser creates a ServiceAccount-backed user with a Role and
// RoleBinding per namespace (and node read access when asked), mints a
// token with the TokenRequest API and writes its kubeconfig in k.Dir.
func (k *KubeCluster) CreateUser(ctx context.Context, u UserSpec) (string, error) {
	c := k.Client()
	if err := ensureNamespace(ctx, c, UsersNamespace); err != nil {
		return "", err
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: u.Name, Namespace: UsersNamespace}}
	if _, err := c.CoreV1().ServiceAccounts(UsersNamespace).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return "", fmt.Errorf("create service account %s: %w", u.Name, err)
	}
	subject := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: u.Name, Namespace: UsersNamespace}
	roleName := "lab-user-" + u.Name
	for _, ns := range u.Namespaces {
		if err := ensureNamespace(ctx, c, ns); err != nil {
			return "", err
		}
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: roleName, Namespace: ns}, Rules: namespacedRules}
		if _, err := c.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("create role in %s: %w", ns, err)
		}
		rb := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: roleName, Namespace: ns},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: roleName},
			Subjects:   []rbacv1.Subject{subject},
		}
		if _, err := c.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("create role binding in %s: %w", ns, err)
		}
	}
	if u.Nodes {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: roleName}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}},
		}}
		if _, err := c.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("create cluster role: %w", err)
		}
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: roleName},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: roleName},
			Subjects:   []rbacv1.Subject{subject},
		}
		if _, err := c.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("create cluster role binding: %w", err)
		}
	}
	exp := int64((48 * time.Hour).Seconds())
	tr, err := c.CoreV1().ServiceAccounts(UsersNamespace).CreateToken(ctx, u.Name,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("mint token for %s: %w", u.Name, err)
	}
	path := filepath.Join(k.Dir, "user-"+u.Name+".kubeconfig")
	if err := k.writeKubeconfig(path, u.Name, tr.Status.Token); err != nil {
		return "", err
	}
	return path, nil
}

func ensureNamespace(ctx context.Context, c kubernetes.Interface, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return nil
}

// Stop stops kube-apiserver (etcd keeps running), e.g. to test how a
// client copes with an unreachable cluster.
func (k *KubeCluster) Stop() {
	k.mu.Lock()
	p := k.api
	k.api = nil
	k.mu.Unlock()
	p.stop(syscall.SIGTERM, 5*time.Second)
}

// Restart starts kube-apiserver again on the same address with the same
// data (stopping it first if it runs) and waits until it is ready.
func (k *KubeCluster) Restart(t testing.TB) {
	t.Helper()
	if err := k.RestartContext(testContext(t)); err != nil {
		t.Fatalf("lab: restart kube-apiserver: %v", err)
	}
}

// RestartContext is Restart for code outside tests.
func (k *KubeCluster) RestartContext(ctx context.Context) error {
	k.Stop()
	var err error
	for range 10 { // the port may linger briefly after the old process
		if err = k.startAPIServer(ctx); err == nil || !portInUse(k.apiLog()) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
	return err
}

// Close stops kube-apiserver and etcd.
func (k *KubeCluster) Close() {
	if k == nil {
		return
	}
	k.mu.Lock()
	kls := k.kubelets
	k.kubelets = nil
	k.mu.Unlock()
	for _, kl := range kls {
		kl.Close()
	}
	k.Stop()
	k.mu.Lock()
	e := k.etcd
	k.etcd = nil
	k.mu.Unlock()
	e.stop(syscall.SIGTERM, 3*time.Second)
}

// issueCert signs a certificate for tmpl with the CA and returns the
// certificate and its (new) key in PEM.
func issueCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey, tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), nil
}

// KubeletCert issues a kubelet serving certificate for the addresses,
// signed by the cluster's CA (which the API server checks kubelets
// against). The API server's node proxy (nodes/NAME/proxy, e.g. the
// kubelet's stats summary) refuses loopback addresses, so a kubelet API it
// must proxy to listens on another address of the machine.
func (k *KubeCluster) KubeletCert(ips ...net.IP) (tls.Certificate, error) {
	if k.caKey == nil {
		return tls.Certificate{}, errors.New("the cluster's CA is not known")
	}
	certPEM, keyPEM, err := issueCert(k.caCert, k.caKey, &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "lab-kubelet"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  ips,
	})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("kubelet certificate: %w", err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}

// ProxyableIP is an IPv4 address of the machine that the API server's
// node proxy accepts (not loopback, not link-local), or an error when the
// machine has none.
func ProxyableIP() (net.IP, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("interface addresses: %w", err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip := n.IP.To4(); ip != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
				return ip, nil
			}
		}
	}
	return nil, fmt.Errorf("no IPv4 address other than loopback or link-local: %w", ErrMissing)
}

// WriteMergedKubeconfig writes one kubeconfig at path with a context per
// cluster (named by the map's keys), current the current context.
func WriteMergedKubeconfig(path string, clusters map[string]*KubeCluster, current string) error {
	out := clientcmdapi.NewConfig()
	for name, k := range clusters {
		c, err := clientcmd.LoadFromFile(k.Kubeconfig)
		if err != nil {
			return fmt.Errorf("kubeconfig of %s: %w", name, err)
		}
		kc := c.Contexts[c.CurrentContext]
		out.Clusters[name] = c.Clusters[kc.Cluster]
		out.AuthInfos[name] = c.AuthInfos[kc.AuthInfo]
		out.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	}
	out.CurrentContext = current
	if err := clientcmd.WriteToFile(*out, path); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}
