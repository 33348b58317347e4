#!/usr/bin/env bash
# hack/tools/release/install-test.sh: install the .deb that
# `make release-snapshot` built for this machine with dpkg -i, check what
# it installed and run it, then remove it (KEEP=1 keeps it installed).
# Needs root (or sudo -n) and dpkg; it changes the machine, so no test
# runs it implicitly: `make release-install-test` (DIST=dir: another dist).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
arch="$(dpkg --print-architecture)"
dist="${DIST:-$root/dist}"
deb="$(ls "$dist"/console_*_"$arch".deb 2>/dev/null | head -n1 || true)"
if [ -z "$deb" ]; then
	echo "install-test: no dist/console_*_$arch.deb: run make release-snapshot first" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	sudo=(sudo -n)
fi
if dpkg-query -W -f='${Status}' console 2>/dev/null | grep -q 'install ok installed'; then
	had_console=1
else
	had_console=0
	if [ -e /usr/bin/console ]; then
		echo "install-test: /usr/bin/console exists and is not from the console package; not overwriting it" >&2
		exit 1
	fi
fi
fail() { echo "install-test: FAIL: $*" >&2; exit 1; }
echo "install-test: dpkg -i $(basename "$deb")"
"${sudo[@]}" dpkg -i "$deb" >/dev/null
cleanup() {
	if [ "${KEEP:-}" != "1" ] && [ "$had_console" = 0 ]; then
		"${sudo[@]}" dpkg -r console >/dev/null && echo "install-test: removed the package (KEEP=1 keeps it)"
	fi
}
trap cleanup EXIT
for f in /usr/bin/console /usr/share/man/man1/console.1 /usr/share/man/man1/console-keys.1 \
	/usr/share/bash-completion/completions/console /usr/share/zsh/vendor-completions/_console \
	/usr/share/fish/vendor_completions.d/console.fish; do
	[ -e "$f" ] || fail "$f not installed"
done
dpkg -L console | grep -q '^/usr/share/man/man1/console-action.1' || fail "subcommand man pages not installed"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; cleanup' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_STATE_HOME="$tmp/state"
v="$(/usr/bin/console version)"
echo "install-test: console version: $v"
case "$v" in
"console dev"* | "console "*"(commit "*", built "*) ;;
*) fail "unexpected version line" ;;
esac
inv="$(/usr/bin/console --demo inventory)"
echo "install-test: console --demo inventory: $(printf '%s\n' "$inv" | wc -l) lines, first: $(printf '%s\n' "$inv" | head -n1)"
[ "$(printf '%s\n' "$inv" | wc -l)" -gt 10 ] || fail "inventory too short: $inv"
echo "install-test: ok"
