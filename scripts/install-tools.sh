#!/usr/bin/env bash
# Install the pinned developer tools into "$(go env GOPATH)/bin" with `go install`,
# but only when a tool is missing there or is at another version, so a fresh
# machine gets them and a warm one skips the minutes of compiling.
#
# Usage: scripts/install-tools.sh [golangci-lint] [goreleaser] [actionlint]
#        (no arguments: all three)
# Callers run the tools as "$(go env GOPATH)/bin/<tool>" (PATH may lack that dir).
set -euo pipefail

GOLANGCI_LINT_VERSION="v2.15.0"
GORELEASER_VERSION="v2.16.0"
ACTIONLINT_VERSION="v1.7.12"

# First GOPATH entry, as `go install` uses it when GOBIN is unset.
gopath="$(go env GOPATH)"
bindir="${gopath%%:*}/bin"
mkdir -p "$bindir"

# installed_version TOOL -> prints the version TOOL in $bindir reports, or nothing.
installed_version() {
	local bin="$bindir/$1" out
	[[ -x "$bin" ]] || return 0
	case "$1" in
		# "golangci-lint has version v2.15.0 built with go1.26.8 from ..."
		golangci-lint) out="$("$bin" version 2>/dev/null || true)" ;;
		# goreleaser prints an ASCII banner, then "GitVersion:    v2.16.0" (or "2.16.0").
		goreleaser) out="$("$bin" --version 2>/dev/null || true)" ;;
		# "v1.7.12" on the first line, then how it was installed.
		actionlint) out="$("$bin" -version 2>/dev/null || true)" ;;
	esac
	if [[ $out =~ v?([0-9]+\.[0-9]+\.[0-9]+) ]]; then
		echo "v${BASH_REMATCH[1]}"
	fi
}

install_tool() {
	local tool="$1" want pkg have start
	case "$tool" in
		golangci-lint)
			want="$GOLANGCI_LINT_VERSION"
			pkg="github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
			;;
		goreleaser)
			want="$GORELEASER_VERSION"
			pkg="github.com/goreleaser/goreleaser/v2"
			;;
		actionlint)
			want="$ACTIONLINT_VERSION"
			pkg="github.com/rhysd/actionlint/cmd/actionlint"
			;;
		*)
			echo "install-tools: unknown tool '$tool' (known: golangci-lint goreleaser actionlint)" >&2
			return 2
			;;
	esac

	have="$(installed_version "$tool")"
	if [[ "$have" == "$want" ]]; then
		echo "install-tools: $tool $want already in $bindir"
		return 0
	fi
	if [[ -n "$have" ]]; then
		echo "install-tools: $tool in $bindir is $have, want $want: reinstalling"
	else
		echo "install-tools: $tool missing from $bindir: installing $want (takes a few minutes on a fresh machine)"
	fi

	start=$SECONDS
	# Remove the old one first: go install refuses to overwrite a file that is
	# not a Go binary (a wrapper script, say).
	rm -f "$bindir/$tool"
	# GOBIN pinned so the binary lands in $bindir even if the caller set GOBIN.
	GOBIN="$bindir" go install "${pkg}@${want}"

	have="$(installed_version "$tool")"
	if [[ "$have" != "$want" ]]; then
		echo "install-tools: $tool installed but reports version '${have:-?}', expected $want" >&2
		return 1
	fi
	echo "install-tools: installed $tool $want in $((SECONDS - start))s"
}

tools=("$@")
if [[ ${#tools[@]} -eq 0 ]]; then
	tools=(golangci-lint goreleaser actionlint)
fi
for t in "${tools[@]}"; do
	install_tool "$t"
done
