#!/usr/bin/env bash
# hack/tools/release/assets.sh: generate what the release archives and
# packages ship beside the binary, from the command definitions:
#   .cache/release/man/*.1           man pages (console man --dir)
#   .cache/release/completions/      bash, zsh and fish completions
# .goreleaser.yaml runs it as a "before" hook. It builds the console for
# this machine once (sharing the test build's cache).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="$root/.cache/release"
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
go build -o "$out/console" "$root/cmd/console"
"$out/console" man --dir "$out/man" >/dev/null
"$out/console" completion bash >"$out/completions/console.bash"
"$out/console" completion zsh >"$out/completions/_console"
"$out/console" completion fish >"$out/completions/console.fish"
rm -f "$out/console"
echo "release assets: $(ls "$out/man" | wc -l) man pages, completions for bash, zsh, fish in $out"
