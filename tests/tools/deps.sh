#!/bin/sh
# Install the Debian packages that building, testing and the demo need, and
# only those that are missing: a second run takes well under a second.
set -e
PKGS="build-essential pkg-config libfuse3-dev fuse3 libcurl4-openssl-dev libjansson-dev
libssl-dev libsqlite3-dev openssl curl python3 python3-pytest python3-pytest-xdist ffmpeg attr rsync
libglib2.0-bin samba smbclient tmux clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
