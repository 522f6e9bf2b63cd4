#!/usr/bin/env bash
# Builds a local stand-in for the base image node:20-bookworm-slim when Docker Hub cannot be reached
# (air-gapped CI, a mirror-less build machine). It is assembled from what such a machine usually has:
#   - Debian bookworm (minbase) from the Debian archive via debootstrap,
#   - the host's Node 20 binary and its bundled npm,
#   - a `node` user with uid/gid 1000 and home /home/node, as in the official image.
# The layout copies the official image (node in /usr/local/bin, npm in /usr/local/lib/node_modules),
# so the Dockerfile works unchanged with `--build-arg NODE_IMAGE=<this tag>`.
#
#   deploy/scripts/node-base-standin.sh [tag]          default tag: cpo-platform/node-standin:20-bookworm-slim
#
# Needs root, debootstrap, a docker engine and Node 20 on the host. Env: DEBIAN_MIRROR (default
# http://deb.debian.org/debian), DOCKER (docker CLI, default `docker`).
set -euo pipefail

TAG="${1:-cpo-platform/node-standin:20-bookworm-slim}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DOCKER="${DOCKER:-docker}"

die() { echo "node-base-standin: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap)"
command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install -y debootstrap)"
NODE_BIN="$(readlink -f "$(command -v node)")" || die "node not found on the host"
NODE_MAJOR="$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = 20 ] || die "host node is v$("$NODE_BIN" -v), need 20.x (the runtime the images are meant for)"
NPM_DIR=""
for d in "$(dirname "$NODE_BIN")/../lib/node_modules/npm" /usr/local/lib/node_modules/npm /usr/lib/node_modules/npm; do
  if [ -f "$d/bin/npm-cli.js" ]; then NPM_DIR="$(readlink -f "$d")"; break; fi
done
[ -n "$NPM_DIR" ] || die "npm (lib/node_modules/npm) not found next to $NODE_BIN"

ROOTFS="$(mktemp -d /tmp/node-standin.XXXXXX)"
trap 'rm -rf "$ROOTFS"' EXIT

echo "node-base-standin: debootstrap minbase bookworm from $MIRROR"
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >/tmp/node-standin-debootstrap.log 2>&1 \
  || { tail -20 /tmp/node-standin-debootstrap.log >&2; die "debootstrap failed (log: /tmp/node-standin-debootstrap.log)"; }

# The official slim image also ships ca-certificates-less Debian; TLS roots come from node itself.
install -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
mkdir -p "$ROOTFS/usr/local/lib/node_modules"
cp -a "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
chroot "$ROOTFS" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
env -u NODE_EXTRA_CA_CERTS chroot "$ROOTFS" /usr/local/bin/node -e 'process.exit(process.versions.node.startsWith("20.") ? 0 : 1)' \
  || die "node does not run inside the bookworm root (a library missing?)"

# Slim the root like the official image: no apt lists, docs, man pages or locales.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/usr/share/doc/* \
       "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/log/* "$ROOTFS"/tmp/*

echo "node-base-standin: importing as $TAG (node $("$NODE_BIN" -v), npm $("$NODE_BIN" "$NPM_DIR/bin/npm-cli.js" -v))"
tar -C "$ROOTFS" --numeric-owner -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$("$NODE_BIN" -p process.versions.node)" \
  --change 'CMD ["node"]' \
  --message "stand-in for node:20-bookworm-slim (debootstrap bookworm minbase + host node)" \
  - "$TAG" >/dev/null
"$DOCKER" run --rm --network none "$TAG" node -e 'console.log("node-base-standin: ok, node", process.version, "uid of node user:", require("child_process").execSync("id -u node").toString().trim())'
