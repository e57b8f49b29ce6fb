#!/usr/bin/env bash
# Local release dry run: validates .goreleaser.yml and builds a snapshot of the
# provider for this machine's platform into dist/ (git-ignored). Nothing is
# signed or published. Exits non-zero on any failure.
#
# Usage: bash scripts/release-check.sh   (or: make release-check)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

project="terraform-provider-zohocrm"
gopath="$(go env GOPATH)"
goreleaser="${gopath%%:*}/bin/goreleaser"

elapsed() { echo "$((SECONDS - $1))s"; }

echo "==> release-check: goreleaser (install if missing)"
bash scripts/install-tools.sh goreleaser

echo "==> release-check: goreleaser check"
t=$SECONDS
"$goreleaser" check
echo "    ok ($(elapsed "$t"))"

echo "==> release-check: snapshot build for $(go env GOOS)/$(go env GOARCH)"
t=$SECONDS
"$goreleaser" build --snapshot --clean --single-target
echo "    ok ($(elapsed "$t"))"

echo "==> release-check: verify the built binary"
mapfile -t bins < <(find dist -type f -name "${project}_v*" ! -name '*.zip' | sort)
if [[ ${#bins[@]} -ne 1 ]]; then
	echo "release-check: expected exactly one ${project}_v* binary under dist/, found ${#bins[@]}:" >&2
	find dist -type f >&2 || true
	exit 1
fi
bin="${bins[0]}"
if [[ ! -x "$bin" ]]; then
	echo "release-check: $bin is not executable" >&2
	exit 1
fi

# The Registry wants terraform-provider-NAME_vVERSION; the version comes from the name.
version="${bin##*/${project}_v}"
version="${version%.exe}"

# Build settings embedded by the Go toolchain (readable on the stripped binary).
# With -trimpath the toolchain does not record -ldflags, so the version is
# checked in the binary's data: the string is only there if -X main.version
# took effect (i.e. main.go still has `var version`).
buildinfo="$(go version -m "$bin")"
fail=0
grep -qE "^[[:space:]]+path[[:space:]]+github.com/zohocrm-terraform/${project}\$" <<<"$buildinfo" \
	|| { echo "release-check: binary was not built from the provider's main package (main: .)" >&2; fail=1; }
grep -qE "CGO_ENABLED=0" <<<"$buildinfo" \
	|| { echo "release-check: binary was not built with CGO_ENABLED=0" >&2; fail=1; }
grep -qE -- "-trimpath=true" <<<"$buildinfo" \
	|| { echo "release-check: binary was not built with -trimpath" >&2; fail=1; }
LC_ALL=C grep -aqF -- "$version" "$bin" \
	|| { echo "release-check: version string '$version' not found in the binary: is main.version still set by -X main.version?" >&2; fail=1; }
# The binary reports what goreleaser stamped into it (-X main.version, -X main.commit).
reported="$("$bin" -version)"
[[ $reported == *"$version"*"$(git rev-parse HEAD)"* ]] \
	|| { echo "release-check: '$bin -version' says '$reported'; want version $version and commit $(git rev-parse HEAD)" >&2; fail=1; }
if [[ $fail -ne 0 ]]; then
	echo "$buildinfo" >&2
	exit 1
fi

echo "    binary:  $bin ($(du -h "$bin" | cut -f1))"
echo "    version: $version (embedded as main.version); -version says: $reported"
echo "    built:   $(go version "$bin" | sed 's/^[^:]*: //'), $(grep -oE '(GOOS|GOARCH)=[^[:space:]]+' <<<"$buildinfo" | tr '\n' ' ')CGO_ENABLED=0, -trimpath"
echo "release-check: OK"
