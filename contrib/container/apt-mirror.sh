#!/bin/sh
# Point the image's apt sources at the mirror given as $1 (a URL such as
# http://mirror.example/debian), or leave them alone when $1 is empty.
# Handles both layouts: debian:bookworm's deb822 file and debootstrap's
# one-line sources.list.  The security suite stays where it is.
set -e
[ -n "$1" ] || exit 0
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
	[ -f "$f" ] || continue
	sed -i "s|http://deb.debian.org/debian\([[:space:]]\)|$1\1|; s|http://deb.debian.org/debian$|$1|" "$f"
done
