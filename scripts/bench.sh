#!/usr/bin/env bash
# make bench: measure what a terraform apply of zohocrm_backup_cancellation
# resources costs, against Terraform's own floor and the local-exec curl
# workaround, and write BENCHMARKS.md. See cmd/zohocrm-bench.
#
# Extra arguments go to the harness, e.g.:
#   bash scripts/bench.sh -sizes 10,100 -repeats 1 -download-sizes 100MiB -out build/bench-quick.md
# Everything it writes is under build/ (git-ignored), plus the report.
# The Terraform CLI is the one TERRAFORM names (default: terraform on PATH).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
for tool in go curl "${TERRAFORM:-terraform}"; do
  command -v "$tool" >/dev/null || { echo "bench: '$tool' is not on PATH (TERRAFORM names the Terraform CLI)" >&2; exit 1; }
done
mkdir -p build
go build -o build/zohocrm-bench ./cmd/zohocrm-bench
# The download benchmark invokes an action, which needs Terraform 1.14 or
# later: Terraform 1.16.4, built from its Go module on first use.
download_cli="${DOWNLOAD_TERRAFORM:-$(bash scripts/install-clis.sh terraform-1.16.4)}"
exec build/zohocrm-bench -download-terraform "$download_cli" "$@"
