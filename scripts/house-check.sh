#!/usr/bin/env bash
# House rules for comments, measured on the non-test Go files:
#   (a) internal/zoho has at most 0.15 comment lines per code line (a comment
#       line is one whose trimmed text starts with //; a code line is any other
#       non-blank line);
#   (b) no doc comment under internal/ or cmd/ is longer than 12 lines (a doc
#       comment: the run of // lines directly before a top-level func, type,
#       var, const or package declaration).
# Prints its figures and every offender as file:line; exits non-zero when a
# rule is broken.
#
# Usage: bash scripts/house-check.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

max_ratio=0.15
max_doc_lines=12

# go_files DIR...: the non-test .go files under DIR... (testdata aside),
# sorted, into the array named files.
go_files() {
	files=()
	local f dir
	for dir in "$@"; do
		if [[ ! -d "$dir" ]]; then
			echo "house-check: $dir is not a directory" >&2
			exit 2
		fi
	done
	while IFS= read -r -d '' f; do
		files+=("$f")
	done < <(find "$@" -name testdata -prune -o -type f -name '*.go' ! -name '*_test.go' -print0 | sort -z)
}

failed=0

go_files internal/zoho
if [[ ${#files[@]} -eq 0 ]]; then
	echo "house-check: no Go files under internal/zoho" >&2
	exit 2
fi
# Prints the package's figures, then each file over the limit (the files to
# look at when the package is over it).
ratio_out=$(awk -v max="$max_ratio" '
	FNR == 1 { order[++n] = FILENAME }
	{
		line = $0
		gsub(/^[ \t]+|[ \t\r]+$/, "", line)
		if (line == "") next
		if (substr(line, 1, 2) == "//") { comments++; fc[FILENAME]++ }
		else { code++; fk[FILENAME]++ }
	}
	END {
		ratio = (code > 0) ? comments / code : 0
		printf "comment lines / code lines in internal/zoho: %d / %d = %.3f (at most %.2f)\n", comments, code, ratio, max
		for (i = 1; i <= n; i++) {
			f = order[i]
			if (fk[f] > 0 && fc[f] / fk[f] > max) {
				printf "  %s: %d / %d = %.3f\n", f, fc[f], fk[f], fc[f] / fk[f]
			}
		}
		exit (ratio > max) ? 1 : 0
	}' "${files[@]}") || failed=1
printf '%s\n' "$ratio_out"
if [[ $failed -ne 0 ]]; then
	echo "FAIL: internal/zoho has more than $max_ratio comment lines per code line (files over it listed above)"
fi

go_files internal cmd
doc_rc=0
doc_out=$(awk -v max="$max_doc_lines" '
	FNR == 1 { run = 0 }
	{
		line = $0
		sub(/^[ \t]+/, "", line)
		if (substr(line, 1, 2) == "//") {
			if (run == 0) start = FNR
			run++
			next
		}
		if (run > max && $0 ~ /^(func|type|var|const|package)([ \t(]|$)/) {
			printf "  %s:%d: %d-line doc comment before: %s\n", FILENAME, start, run, $0
			offenders++
		}
		run = 0
	}
	END {
		printf "doc comments longer than %d lines under internal/ and cmd/: %d\n", max, offenders + 0
		exit (offenders > 0) ? 1 : 0
	}' "${files[@]}") || doc_rc=1
# The offenders are printed after the total, which awk prints last.
printf '%s\n' "${doc_out##*$'\n'}"
if [[ "$doc_out" == *$'\n'* ]]; then
	printf '%s\n' "${doc_out%$'\n'*}"
fi
if [[ $doc_rc -ne 0 ]]; then
	failed=1
	echo "FAIL: doc comments longer than $max_doc_lines lines (listed above)"
fi

if [[ $failed -ne 0 ]]; then
	exit 1
fi
echo "house-check OK"
