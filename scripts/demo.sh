#!/usr/bin/env bash
# make demo: the provider applying a real configuration against the local
# Zoho emulator, the way a user runs it.
#
#   1. build the provider and install it into a local filesystem mirror, so
#      `terraform init` resolves zohocrm-terraform/zohocrm offline;
#
# The CLI is the one TERRAFORM names (a command on PATH or a path; default
# terraform): Terraform >= 1.11 or OpenTofu, which asks the mirror for
# registry.opentofu.org/... where Terraform asks for registry.terraform.io/...
#   2. start the emulator on loopback with one scheduled backup;
#   3. terraform init + apply examples/demo with the discover-then-cancel
#      example: the zohocrm_backup data source finds the scheduled backup, and
#      the cancellation it drives takes it SCHEDULED -> STOPPED;
#   4. apply again: no changes and no write request (the data source still
#      reads the latest backup: one GET per plan);
#   5. someone schedules a new backup out of band: the next apply finds it
#      and cancels it;
#   6. clean up: the emulator stops; every file stays under build/demo (git-ignored).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work="$root/build/demo"
version="0.1.0"
token="demo-access-token"
os_arch="$(go env GOOS)_$(go env GOARCH)"

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

for tool in go curl jq; do
  command -v "$tool" >/dev/null || { echo "demo: '$tool' is not on PATH" >&2; exit 1; }
done
cli=$(command -v "${TERRAFORM:-terraform}") || { echo "demo: TERRAFORM='${TERRAFORM:-terraform}' is not a CLI on PATH nor an executable path" >&2; exit 1; }
# Run the CLI as terraform, whichever it is.
terraform() { "$cli" "$@"; }
# shellcheck source=lib/first-line.sh
source "$root/scripts/lib/first-line.sh"
cli_version=$(cli_version "$cli")
registry_host="registry.terraform.io"
[[ $cli_version == OpenTofu* ]] && registry_host="registry.opentofu.org"

emulator_pid=""
cleanup() {
  if [[ -n $emulator_pid ]] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" && wait "$emulator_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# A fresh folder each run: the lock file then always matches the binary just built.
rm -rf "$work"
mkdir -p "$work/mirror" "$work/config"

step "Building the provider $version and the emulator (for $cli_version)"
plugin_dir="$work/mirror/$registry_host/zohocrm-terraform/zohocrm/$version/$os_arch"
mkdir -p "$plugin_dir"
(cd "$root" && go build -ldflags "-X main.version=$version" -o "$plugin_dir/terraform-provider-zohocrm_v$version" .)
(cd "$root" && go build -o "$work/zohocrm-emulator" ./cmd/zohocrm-emulator)

# Terraform reads providers only from the mirror: no registry is contacted.
cat >"$work/terraformrc" <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["$registry_host/zohocrm-terraform/zohocrm"]
  }
}
HCL
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
unset TF_LOG TF_LOG_PROVIDER

step "Starting the Zoho emulator on loopback with one scheduled backup"
"$work/zohocrm-emulator" -token "$token" -seed SCHEDULED -ready-file "$work/emulator.json" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 1 100); do
  [[ -s $work/emulator.json ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s $work/emulator.json ]] || { echo "demo: the emulator did not start" >&2; exit 1; }
api_domain=$(jq -r .url "$work/emulator.json")
backup_id=$(jq -r .backup_id "$work/emulator.json")
echo "emulator: $api_domain, scheduled backup $backup_id"

backup_status() {
  curl -sS -H "Authorization: Zoho-oauthtoken $token" "$api_domain/crm/bulk/v8/backup" | jq -r .backup.status
}
# requests_since N: the API requests after the first N, one "METHOD path" a line.
requests_since() {
  curl -sS "$api_domain/_emulator/requests" | jq -r --argjson from "$1" '.[$from:][] | "\(.method) \(.path)"'
}
api_requests() {
  curl -sS "$api_domain/_emulator/requests" | jq length
}
# report_requests N WHAT: prints what WHAT sent after the first N requests.
report_requests() {
  local made gets writes
  made=$(requests_since "$1")
  gets=$(grep -c '^GET ' <<<"$made" || true)
  writes=$(grep -vc '^GET ' <<<"$made" || true)
  echo "API requests made by $2: $gets GET (reads of the latest backup), $writes write(s)"
  grep -v '^GET ' <<<"$made" | sed 's/^/  /' || true
  last_writes=$writes
}
echo "GET /crm/bulk/v8/backup -> status $(backup_status)"

step "terraform init (from the filesystem mirror)"
cp "$root/examples/demo/main.tf" "$work/config/"
cp "$root/examples/data-sources/zohocrm_backup/data-source.tf" "$work/config/backup.tf"
cd "$work/config"
terraform init -input=false -no-color | grep -E "Installing|Installed|successfully initialized"

export ZOHOCRM_ACCESS_TOKEN="$token"
export TF_VAR_api_domain="$api_domain"

step "terraform apply: discover the latest backup and cancel it"
before=$(api_requests)
terraform apply -input=false -auto-approve -no-color
report_requests "$before" "the apply"
status=$(backup_status)
echo "GET /crm/bulk/v8/backup -> status $status"
[[ $status == STOPPED ]] || { echo "demo: FAILED: the backup is $status, want STOPPED" >&2; exit 1; }

step "terraform apply again: nothing to do, no write request"
before=$(api_requests)
terraform apply -input=false -auto-approve -no-color | grep -E "No changes|Apply complete"
report_requests "$before" "the second apply"
[[ $last_writes -eq 0 ]] || { echo "demo: FAILED: the second apply made $last_writes write requests" >&2; exit 1; }

step "Someone schedules a new backup in Zoho; the next apply cancels it"
new_id=$(curl -sS -X POST "$api_domain/_emulator/backups?status=SCHEDULED&rrule=FREQ%3DMONTHLY%3BINTERVAL%3D1%3BBYMONTHDAY%3D16" | jq -r .id)
echo "GET /crm/bulk/v8/backup -> backup $new_id, status $(backup_status)"
before=$(api_requests)
terraform apply -input=false -auto-approve -no-color | grep -E "must be replaced|Apply complete"
report_requests "$before" "the apply"
status=$(backup_status)
echo "GET /crm/bulk/v8/backup -> status $status"
[[ $status == STOPPED ]] || { echo "demo: FAILED: backup $new_id is $status, want STOPPED" >&2; exit 1; }

step "Done: backups $backup_id and $new_id went SCHEDULED -> STOPPED; the apply in between wrote nothing"
echo "All files are under build/demo; the emulator is stopped on exit."
