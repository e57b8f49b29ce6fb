# Sourced by the scripts: helpers that never pipe a command that keeps
# writing into a reader that stops early (head, grep -q). Under pipefail such
# a writer dies of SIGPIPE (exit 141) whenever the reader exits first.

# first_line CMD [ARG...]: runs CMD to the end and prints the first line of
# its standard output. CMD's exit status is returned.
first_line() {
	local out
	out=$("$@") || return
	printf '%s\n' "${out%%$'\n'*}"
}

# cli_version CLI: the first line of CLI's `version` output ("Terraform
# v1.11.4", "OpenTofu v1.12.6"), read with an empty CLI configuration.
cli_version() {
	TF_CLI_CONFIG_FILE="" first_line "$1" version
}
