#!/bin/sh
# include-cycles.sh: report every dependency circle among the local includes
# of src/*.c and src/*.h. A module is a file name without its extension, so
# a .c and its own .h count as one: "buf.c includes util.h" and "util.c
# includes buf.h" is the circle buf -> util -> buf. Prints each circle with
# the #include lines that make it and exits 1; prints "ok" and exits 0 when
# there is none. Usage: tests/lint/include-cycles.sh [srcdir]
dir=${1:-src}

# One edge per line: "from to file:line", from the quoted includes only
# (system headers cannot close a circle through our files).
for f in "$dir"/*.c "$dir"/*.h; do
	[ -e "$f" ] || continue
	awk -v f="$f" '
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		s = $0
		sub(/^[^"]*"/, "", s)
		sub(/".*$/, "", s)
		from = f
		sub(/^.*\//, "", from)
		sub(/\.[ch]$/, "", from)
		to = s
		sub(/^.*\//, "", to)
		sub(/\.[ch]$/, "", to)
		if (from != to)
			print from, to, f ":" FNR
	}' "$f"
done | awk -v dir="$dir" '
# Tarjan: strongly connected components of the module graph. Any component
# with two or more modules holds at least one circle.
function visit(v,    i, w) {
	index_of[v] = counter
	low[v] = counter
	counter++
	stack[++sp] = v
	onstack[v] = 1
	for (i = 1; i <= nout[v]; i++) {
		w = out[v, i]
		if (!(w in index_of)) {
			visit(w)
			if (low[w] < low[v])
				low[v] = low[w]
		} else if (onstack[w] && index_of[w] < low[v]) {
			low[v] = index_of[w]
		}
	}
	if (low[v] == index_of[v]) {
		ncomp++
		size[ncomp] = 0
		do {
			w = stack[sp--]
			onstack[w] = 0
			comp[w] = ncomp
			size[ncomp]++
		} while (w != v)
	}
}
# A shortest path from a back to a, inside a component (breadth first).
function circle(a,    q, head, tail, v, i, w, seen, prev, path, n, k) {
	head = 1
	tail = 0
	for (i = 1; i <= nout[a]; i++) {
		w = out[a, i]
		if (comp[w] != comp[a] || (w in seen))
			continue
		seen[w] = 1
		prev[w] = a
		q[++tail] = w
	}
	while (head <= tail) {
		v = q[head++]
		if (v == a)
			break
		for (i = 1; i <= nout[v]; i++) {
			w = out[v, i]
			if (comp[w] != comp[a] || (w in seen))
				continue
			seen[w] = 1
			prev[w] = v
			q[++tail] = w
		}
	}
	n = 0
	v = a
	do {
		path[++n] = v
		v = prev[v]
	} while (v != a)
	printf "include cycle:"
	printf " %s", a
	for (k = n; k >= 1; k--)
		printf " -> %s", path[k]
	printf "\n"
	v = a
	for (k = n; k >= 1; k--) {
		printf "  %s includes %s.h\n", where[v, path[k]], path[k]
		v = path[k]
	}
}
{
	if (!(($1, $2) in where)) {
		out[$1, ++nout[$1]] = $2
		where[$1, $2] = $3
	}
	node[$1] = 1
	node[$2] = 1
}
END {
	counter = 0
	sp = 0
	ncomp = 0
	for (v in node)
		if (!(v in index_of))
			visit(v)
	bad = 0
	for (v in node) {
		c = comp[v]
		if (size[c] < 2 || (c in reported))
			continue
		reported[c] = 1
		bad = 1
		members = ""
		for (w in node)
			if (comp[w] == c)
				members = members " " w
		printf "%s: modules in one circle:%s\n", dir, members
		circle(v)
	}
	if (bad)
		exit 1
	print "include-cycles: ok"
}'
