#!/usr/bin/env bash
# hack/setup.sh: install what the tests and the lab need, and build the heavy
# binaries (kube-apiserver, jaeger, lab-kubelet) into .cache/bin/ when they are missing or
# their tool module changed. Safe to run again: it only does what is missing,
# and prints what it did.
#
#   hack/setup.sh            # install + build
#   SETUP_SKIP_APT=1 ...     # do not touch Debian packages
#   SETUP_SKIP_BUILD=1 ...   # do not build the binaries
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.cache/bin"
mkdir -p "$bin"

say() { printf 'setup: %s\n' "$*"; }

# --- Debian packages ---------------------------------------------------------
apt_packages=(etcd-server redis-server redis-sentinel tmux openssh-client)
# PostgreSQL 15 is part of this kind of machine; install it only if absent.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	apt_packages+=(postgresql-15)
fi

install_packages() {
	local missing=()
	local p
	for p in "${apt_packages[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		say "debian packages present: ${apt_packages[*]}"
		return 0
	fi
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		sudo=(sudo -n)
	fi
	say "installing debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	local apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends)
	if ! "${sudo[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}" >/tmp/setup-apt.log 2>&1; then
		say "apt-get install failed; running apt-get update and retrying"
		"${sudo[@]}" apt-get update -q >>/tmp/setup-apt.log 2>&1
		if ! "${sudo[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}" >>/tmp/setup-apt.log 2>&1; then
			tail -n 30 /tmp/setup-apt.log >&2
			say "FAILED to install ${missing[*]} (log: /tmp/setup-apt.log)"
			return 1
		fi
	fi
	# The packages may start their own system services (etcd, redis-server,
	# postgresql). They are left alone: the lab runs its own instances on free
	# ports under its own directories, and a developer's database must not be
	# stopped or disabled by running the tests.
	say "installed ${missing[*]}"
}

if [ "${SETUP_SKIP_APT:-}" = "1" ]; then
	say "skipping debian packages (SETUP_SKIP_APT=1)"
else
	install_packages
fi

# --- tools from the machine ------------------------------------------------------
# The lab looks for PostgreSQL's server programs in its versioned directory.
pg_bin=""
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
	if [ -x "$d/initdb" ]; then
		pg_bin="$d"
		break
	fi
done
check_tool() {
	local name="$1" path="$2"
	if [ -n "$path" ]; then
		say "found $name: $path"
	else
		say "WARNING: $name not found; tests needing it skip (or fail when CI=true)"
	fi
}
check_tool moto_server "$(command -v moto_server || true)"
check_tool terraform "$(command -v terraform || true)"
check_tool kubectl "$(command -v kubectl || true)"
check_tool etcd "$(command -v etcd || true)"
check_tool redis-server "$(command -v redis-server || true)"
check_tool redis-sentinel "$(command -v redis-sentinel || true)"
check_tool "postgresql (initdb, pg_ctl, pg_basebackup)" "$pg_bin"

# --- heavy binaries from tool modules -----------------------------------------
# Each binary has a stamp file holding a hash of its tool module's go.mod and
# go.sum and of the build command; a different hash means rebuild.
kube_version="$(awk '$1=="k8s.io/kubernetes" {print $2}' "$root/hack/tools/kube/go.mod" | head -n1)"
kube_minor="$(printf '%s' "$kube_version" | cut -d. -f2)"
kube_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${kube_version} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${kube_minor} -X k8s.io/component-base/version.gitTreeState=clean"

# Built binaries are also kept per version in a cache shared by every
# checkout on the machine (a fresh clone then only copies them).
shared_cache="${LAB_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/opsconsole-lab}"

build_tool() {
	local name="$1" module_dir="$2" pkg="$3" ldflags="$4"
	local out="$bin/$name" stamp="$bin/$name.stamp"
	local want
	# A tool module with sources of its own (e2e/kubelet) hashes them too;
	# for the others this adds nothing, so their stamps stay valid.
	want="$(cat "$module_dir/go.mod" "$module_dir/go.sum" <(find "$module_dir" -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs -r cat) <(printf '%s %s %s' "$pkg" "$ldflags" "$(go env GOVERSION)") | sha256sum | cut -d' ' -f1)"
	if [ -x "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		say "$name is up to date ($out)"
		return 0
	fi
	# Another checkout on this machine may have built the same version.
	local shared="$shared_cache/$name-$want"
	if [ -x "$shared" ]; then
		cp -f "$shared" "$out.tmp" && mv -f "$out.tmp" "$out"
		printf '%s\n' "$want" >"$stamp"
		say "$name copied from $shared (same version)"
		return 0
	fi
	say "building $name from $pkg (this takes several minutes the first time)"
	local start end
	start="$(date +%s)"
	rm -f "$stamp"
	(cd "$module_dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
	mv -f "$out.tmp" "$out"
	printf '%s\n' "$want" >"$stamp"
	end="$(date +%s)"
	say "built $name in $((end - start))s"
	if mkdir -p "$shared_cache" 2>/dev/null; then
		rm -f "$shared_cache/$name"-*
		cp -f "$out" "$shared.tmp" && mv -f "$shared.tmp" "$shared" || true
	fi
}

if [ "${SETUP_SKIP_BUILD:-}" = "1" ]; then
	say "skipping builds (SETUP_SKIP_BUILD=1)"
else
	build_tool kube-apiserver "$root/hack/tools/kube" k8s.io/kubernetes/cmd/kube-apiserver "$kube_ldflags"
	build_tool jaeger "$root/hack/tools/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger "-s -w"
	build_tool lab-kubelet "$root/e2e/kubelet" . "-s -w"
	build_tool golangci-lint "$root/hack/tools/lint" github.com/golangci/golangci-lint/v2/cmd/golangci-lint "-s -w"
fi
say "done"
