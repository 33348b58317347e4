#!/usr/bin/env bash
# hack/tools/release/goreleaser.sh ARGS...: run the goreleaser pinned in
# hack/tools/release/go.mod, building it into .cache/bin first when it is
# missing or the tool module changed (a stamp holds the hash of go.mod,
# go.sum and the Go version). Building it takes several minutes the first
# time; hack/setup.sh does not (the tests do not need it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
mod="$root/hack/tools/release"
out="$root/.cache/bin/goreleaser"
stamp="$out.stamp"
want="$(cat "$mod/go.mod" "$mod/go.sum" <(go env GOVERSION) | sha256sum | cut -d' ' -f1)"
if [ ! -x "$out" ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	echo "goreleaser: building $(awk '$1=="github.com/goreleaser/goreleaser/v2" {print $2}' "$mod/go.mod") from hack/tools/release" >&2
	mkdir -p "$(dirname "$out")"
	rm -f "$stamp"
	(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out.tmp" github.com/goreleaser/goreleaser/v2)
	mv -f "$out.tmp" "$out"
	printf '%s\n' "$want" >"$stamp"
fi
cd "$root"
# goreleaser reads the commit only after the remote's URL: a clone with no
# remote (a local mirror, a worktree of one) gets the project's, for this
# process only, so that snapshots are stamped with their commit.
if [ -z "$(git remote)" ]; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0=https://github.com/opsconsole/console.git
fi
exec "$out" "$@"
