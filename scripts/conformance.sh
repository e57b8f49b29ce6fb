#!/usr/bin/env bash
# make conformance: Zoho's own Node.js SDK for CRM API v8 against the emulator.
#
#   1. install @zohocrm/nodejs-sdk-8.0 (exact versions of conformance/package-lock.json)
#      with npm into a cache outside the work tree, once; later runs reuse it;
#   2. build cmd/zohocrm-emulator and start two on loopback: one in its default
#      forms, one in the documented alternatives (RESOURCE_NOT_FOUND nested,
#      LIMIT_EXCEEDED), both stopped on exit; each knows an administrator's token,
#      a READ-only one (OAUTH_SCOPE_MISMATCH) and a non-administrator's (NO_PERMISSION);
#   3. run conformance/run.mjs, which prints one line per check and ends with
#      "conformance: N passed, M failed"; the exit status is non-zero on any failure.
#
# Needs node and npm (not make test). CONFORMANCE_SKIP_DOWNLOAD=1 leaves out
# the download check, for development only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-zohocrm/conformance-node"
sdk_lib="$cache/node_modules/@zohocrm/nodejs-sdk-8.0/lib"
suffix="$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
token="1000.conformance-$suffix"
scoped_token="1000.conformance-read-$suffix"
user_token="1000.conformance-user-$suffix"
purchased=2

for tool in node npm; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "ERROR: make conformance needs $tool (Node.js 18 or later) on PATH." >&2
		exit 1
	}
done

# The cache holds exactly the lock file's packages; a changed lock file
# reinstalls. npm ci never resolves versions anew.
mkdir -p "$cache"
if ! cmp -s "$root/conformance/package-lock.json" "$cache/package-lock.json" || [[ ! -f $sdk_lib/index.js ]]; then
	echo "conformance: installing the SDK into $cache"
	cp "$root/conformance/package.json" "$root/conformance/package-lock.json" "$cache/"
	(cd "$cache" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/zohocrm-conformance.XXXXXX")"
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" && wait "$pid" 2>/dev/null || true
		fi
	done
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/zohocrm-emulator" ./cmd/zohocrm-emulator)

# start_emulator NAME FLAGS...: starts one emulator and prints its URL.
start_emulator() {
	local name=$1
	shift
	"$work/zohocrm-emulator" -token "$token" -scoped-token "$scoped_token:ZohoCRM.bulk.backup.READ" \
		-user-token "$user_token" -quota 4 -purchased-backups "$purchased" \
		-ready-file "$work/$name.json" "$@" 2>"$work/$name.log" &
	pids+=($!)
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -s $work/$name.json ]] && break
		kill -0 "${pids[-1]}" 2>/dev/null || { cat "$work/$name.log" >&2; exit 1; }
		sleep 0.1
	done
	[[ -s $work/$name.json ]] || { echo "ERROR: the $name emulator did not start" >&2; exit 1; }
}
start_emulator default
start_emulator alternative -resource-not-found-nested -limit-code LIMIT_EXCEEDED
url_of() { node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).url)' "$1"; }

mkdir -p "$work/sdk"
CONFORMANCE_SDK_LIB="$sdk_lib" \
	EMULATOR_URL="$(url_of "$work/default.json")" \
	EMULATOR_ALT_URL="$(url_of "$work/alternative.json")" \
	EMULATOR_TOKEN="$token" \
	EMULATOR_SCOPED_TOKEN="$scoped_token" \
	EMULATOR_USER_TOKEN="$user_token" \
	PURCHASED_BACKUPS="$purchased" \
	CONFORMANCE_WORK_DIR="$work/sdk" \
	node "$root/conformance/run.mjs"
