#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks every ```ini block of doc/providers.md with sealpost --check-config.
#
#   sh tests/doc/providers.sh [SEALPOST_BIN]
#
# Each block is written to a file of its own (mode 0600) and checked as it
# is, except that a password_file is replaced by a scratch file holding a
# dummy password (--check-config reads password_file and checks its
# permissions; it never runs password_command). A block that fails, or a
# page without any block, fails the test. Nothing touches the network.
set -u

here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$here/src/sealpost}
doc=$here/doc/providers.md

if [ ! -x "$bin" ]; then
	echo "providers: $bin is not an executable (run 'make')"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-providers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

printf 'dummy-app-password\n' > "$tmp/pass"
chmod 600 "$tmp/pass"

# Block n goes to $tmp/block.n; its first line in the page is noted.
awk -v dir="$tmp" '
	/^```ini[[:space:]]*$/ { n++; inblock = 1; out = dir "/block." n
		print NR > (dir "/line." n); close(dir "/line." n); next }
	/^```/ && inblock { inblock = 0; close(out); next }
	inblock { print > out }
' "$doc"

pass=0
fail=0
for f in "$tmp"/block.*; do
	[ -f "$f" ] || continue
	n=${f##*.}
	line=$(cat "$tmp/line.$n")
	sed "s|^password_file = .*|password_file = $tmp/pass|" "$f" > "$f.conf"
	chmod 600 "$f.conf"
	if out=$(XDG_CONFIG_HOME=$tmp HOME=$tmp "$bin" --check-config -C "$f.conf" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "providers: FAILED: the ini block at doc/providers.md:$line:"
		echo "$out" | sed 's/^/    /'
	fi
done
if [ $((pass + fail)) -eq 0 ]; then
	echo "providers: no \`\`\`ini block in $doc"
	exit 1
fi
echo "providers: $pass recipes pass sealpost --check-config, $fail failed"
[ "$fail" -eq 0 ]
