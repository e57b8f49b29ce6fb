#!/usr/bin/env bash
# Build the newer CLIs the acceptance suite also runs on (make test-clis) from
# the Go modules the module proxy serves, into a cache outside the work tree,
# and print the path of each binary, one a line, in the order asked.
#
# Usage: scripts/install-clis.sh [terraform-1.16.4] [tofu-1.12.6]
#        (no arguments: both)
#
# A binary already in the cache is reused, so only a fresh machine pays for
# the build (about 3 minutes for Terraform and 5 for OpenTofu on 2 cores).
# Progress goes to stderr; stdout carries only the paths.
#
# Why not `go install`: both modules carry replace directives, which go
# install refuses. So the module is downloaded with `go mod download`, copied
# to a writable folder and built there.
#
# Terraform's module zip lacks the nested modules its go.mod replaces with
# local paths: the nine remote-state backends under
# internal/backend/remote-state/ (azure, consul, cos, gcs, kubernetes, oci,
# oss, pg, s3) and internal/legacy, which only they use. Terraform is built
# without those backends: their registrations leave
# internal/backend/init/init.go and their require and replace lines leave
# go.mod. Nothing in this project uses a remote backend.
set -euo pipefail
# shellcheck source=lib/first-line.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/first-line.sh"

TERRAFORM_VERSION="1.16.4"
TOFU_VERSION="1.12.6"

cache="${ZOHOCRM_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-zohocrm/clis}"
mkdir -p "$cache"

log() { echo "install-clis: $*" >&2; }

# module_copy MODULE VERSION DEST: a writable copy of the module's source.
module_copy() {
	local module="$1" version="$2" dest="$3" dir
	dir="$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
	[[ -n "$dir" && -d "$dir" ]] || { log "go mod download $module@$version gave no source folder"; return 1; }
	rm -rf "$dest"
	cp -r "$dir" "$dest"
	chmod -R u+w "$dest"
}

# cached_build NAME VERSION MODULE PACKAGE VERSION_PKG [PREPARE]: prints the
# path of NAME's binary, building it first if the cache lacks it. PREPARE,
# if given, is run on the source folder before the build.
cached_build() {
	local name="$1" version="$2" module="$3" package="$4" version_pkg="$5" prepare="${6:-}"
	local out="$cache/$name-$version/$name" src="$cache/src/$name-$version"
	if [[ -x "$out" ]]; then
		echo "$out"
		return 0
	fi
	log "building $name $version into $out (minutes on a fresh machine)"
	local start=$SECONDS
	mkdir -p "$cache/src" "$(dirname "$out")"
	module_copy "$module" "v$version" "$src"
	[[ -z "$prepare" ]] || "$prepare" "$src"
	(cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
		-ldflags "-s -w -X $version_pkg.dev=no" -o "$out.tmp" "$package")
	mv "$out.tmp" "$out"
	rm -rf "$src"
	log "built $(cli_version "$out") in $((SECONDS - start))s"
	echo "$out"
}

# without_missing_backends SRC: drops from Terraform's source the remote-state
# backends whose modules its module zip lacks (see the header).
without_missing_backends() {
	local src="$1" b
	for b in azure consul cos gcs kubernetes oci oss pg s3; do
		# go.mod: the require line and the replace line of each missing module.
		sed -i "\#github.com/hashicorp/terraform/internal/backend/remote-state/$b #d" "$src/go.mod"
	done
	sed -i '\#github.com/hashicorp/terraform/internal/legacy #d' "$src/go.mod"
	# init.go: the imports and the registrations of the missing backends.
	sed -i -E \
		-e '/backend(Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3) "github.com/d' \
		-e '/"(azurerm|consul|cos|gcs|kubernetes|oss|pg|s3|oci)": +func\(\)/d' \
		"$src/internal/backend/init/init.go"
}

clis=("$@")
if [[ ${#clis[@]} -eq 0 ]]; then
	clis=("terraform-$TERRAFORM_VERSION" "tofu-$TOFU_VERSION")
fi
for cli in "${clis[@]}"; do
	case "$cli" in
		"terraform-$TERRAFORM_VERSION")
			cached_build terraform "$TERRAFORM_VERSION" github.com/hashicorp/terraform . \
				github.com/hashicorp/terraform/version without_missing_backends
			;;
		"tofu-$TOFU_VERSION")
			cached_build tofu "$TOFU_VERSION" github.com/opentofu/opentofu ./cmd/tofu \
				github.com/opentofu/opentofu/version
			;;
		*)
			log "unknown CLI '$cli' (known: terraform-$TERRAFORM_VERSION tofu-$TOFU_VERSION)"
			exit 2
			;;
	esac
done
