#!/bin/sh
# sendmail-links.sh: the names other programs call sealpost by, for
# `make install-sendmail-links` and `make uninstall`.
#
#   sendmail-links.sh install BINARY LINK...
#   sendmail-links.sh remove  BINARY LINK...
#
# BINARY is the installed sealpost (e.g. /usr/local/sbin/sealpost), each
# LINK a path that should lead to it (/usr/sbin/sendmail, /usr/lib/sendmail,
# /usr/local/bin/mailq...). A link in BINARY's own directory is relative,
# any other absolute. $DESTDIR is prepended to every path written, never to
# a link's contents.
#
# install: a LINK that does not exist is created, one that already leads to
# sealpost is renewed. A LINK that is another program (a file, or a link to
# something else: another MTA's sendmail) is left alone, and then nothing
# is created and the exit status is 1 -- unless FORCE=1, which replaces it.
# A directory is never replaced.
# remove: every LINK that leads to sealpost is removed; others stay.
set -eu

me=install-sendmail-links
[ $# -ge 2 ] || { echo "usage: $0 install|remove BINARY LINK..." >&2; exit 2; }
action=$1 binary=$2
shift 2
dest=${DESTDIR:-}
name=${binary##*/}

# ours PATH: true if PATH (with $DESTDIR) is a link that leads to sealpost,
# by its own contents or (for a chain such as /usr/lib/sendmail ->
# /usr/sbin/sendmail -> sealpost) by where it finally resolves.
ours() {
	[ -L "$1" ] || return 1
	t=$(readlink "$1")
	[ "${t##*/}" = "$name" ] && return 0
	r=$(readlink -f "$1" 2>/dev/null) || return 1
	[ "${r##*/}" = "$name" ]
}

# contents LINK: what the link LINK should hold.
contents() {
	if [ "${1%/*}" = "${binary%/*}" ]; then echo "$name"; else echo "$binary"; fi
}

case $action in
remove)
	for l in "$@"; do
		[ "$l" = "$binary" ] && continue
		if ours "$dest$l"; then rm -f "$dest$l"; fi
	done
	exit 0 ;;
install) ;;
*) echo "usage: $0 install|remove BINARY LINK..." >&2; exit 2 ;;
esac

refused=0
for l in "$@"; do
	[ "$l" = "$binary" ] && continue
	p=$dest$l
	if [ -d "$p" ] && [ ! -L "$p" ]; then
		echo "$me: $p is a directory: left alone" >&2
		refused=1
	elif ours "$p" || { [ ! -e "$p" ] && [ ! -L "$p" ]; }; then
		:
	elif [ "${FORCE:-}" = 1 ]; then
		:
	else
		if [ -L "$p" ]; then what="a link to $(readlink "$p")"; else what="a file"; fi
		echo "$me: $p is $what, not sealpost (another MTA's?): left alone." >&2
		refused=1
	fi
done
if [ $refused = 1 ]; then
	echo "$me: nothing installed. Remove that MTA first, or run again with FORCE=1 to replace it." >&2
	exit 1
fi

for l in "$@"; do
	[ "$l" = "$binary" ] && continue
	p=$dest$l
	c=$(contents "$l")
	if [ -e "$p" ] || [ -L "$p" ]; then
		if ! ours "$p"; then
			if [ -L "$p" ]; then what="a link to $(readlink "$p")"; else what="a file"; fi
			echo "$me: replacing $p ($what), as FORCE=1 asks" >&2
		fi
	fi
	mkdir -p "${p%/*}"
	ln -sfn "$c" "$p"
	echo "$p -> $c"
done
