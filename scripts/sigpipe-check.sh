#!/usr/bin/env bash
# make sigpipe-check: proves that no pipeline of the scripts can die of
# SIGPIPE (exit 141) under pipefail.
#   1. No line of scripts/, .ci/run or the GNUmakefile pipes into a reader
#      that stops early (head, grep -q, grep -m).
#   2. The demo's CLI-version probe (scripts/lib/first-line.sh) runs
#      PROBES times (default 200) on each CLI named, with no failure.
#   3. make demo runs DEMOS times (default 5) in a row on the first CLI.
# Usage: scripts/sigpipe-check.sh [CLI...]   (default: terraform on PATH)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=lib/first-line.sh
source scripts/lib/first-line.sh
probes=${PROBES:-200}
demos=${DEMOS:-5}
clis=("$@")
((${#clis[@]})) || clis=(terraform)

echo "==> pipes into early-stopping readers"
early_reader='\|[[:space:]]*(head|grep[[:space:]]+(-[[:alpha:]]*[qm][[:alpha:]]*|--quiet|--max-count))([[:space:]]|$)'
offenders=$(git grep -n -E "$early_reader" -- scripts .ci/run GNUmakefile ':!scripts/sigpipe-check.sh' || true)
if [[ -n $offenders ]]; then
	echo "ERROR: these lines pipe into head or grep -q/-m, which can kill the writer with SIGPIPE under pipefail;" >&2
	echo "       read the whole output instead (scripts/lib/first-line.sh):" >&2
	echo "$offenders" >&2
	exit 1
fi
echo "none"

for cli in "${clis[@]}"; do
	echo "==> the CLI-version probe, $probes times, on $cli"
	failures=0
	for ((i = 1; i <= probes; i++)); do
		version=$(cli_version "$cli") || failures=$((failures + 1))
	done
	echo "$version: $failures of $probes probes failed"
	((failures == 0)) || exit 1
done

mkdir -p build
for ((i = 1; i <= demos; i++)); do
	echo "==> make demo, run $i of $demos, on ${clis[0]}"
	start=$SECONDS
	make --no-print-directory demo TERRAFORM="${clis[0]}" >build/sigpipe-demo.log 2>&1 || {
		echo "ERROR: make demo failed on run $i; its output:" >&2
		cat build/sigpipe-demo.log >&2
		exit 1
	}
	echo "passed in $((SECONDS - start))s"
done
echo "sigpipe-check: $probes probes on ${#clis[@]} CLI(s) and $demos demos passed"
