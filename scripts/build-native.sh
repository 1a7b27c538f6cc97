#!/usr/bin/env bash
# Builds the probe agent's libvirt addon (agents/native) against the local Node headers
# and libvirt-dev. Runs after scripts/prereqs.sh (npm ci cannot: libvirt-dev may not be
# installed yet on a fresh machine). Nothing is downloaded: --nodedir points node-gyp at
# the headers Debian's nodejs or the Node install ships.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$here/agents/native"
out="$dir/build/Release/vmha_libvirt.node"
src="$dir/src/vmha_libvirt.cc"
# Up to date: nothing to do (keeps `npm test` fast).
if [ -f "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$dir/binding.gyp" ]; then exit 0; fi
if ! pkg-config --exists libvirt libvirt-qemu 2>/dev/null && [ ! -f /usr/include/libvirt/libvirt-qemu.h ]; then
  echo "build-native: libvirt-dev is missing (scripts/prereqs.sh installs it); the probe agent will use virsh" >&2
  exit 1
fi
nodedir="${VMHA_NODEDIR:-}"
if [ -z "$nodedir" ]; then
  for d in "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")" /usr /usr/local; do
    if [ -f "$d/include/node/node_api.h" ]; then nodedir="$d"; break; fi
  done
fi
[ -n "$nodedir" ] || { echo "build-native: no Node headers found (set VMHA_NODEDIR)" >&2; exit 1; }
gyp="$here/node_modules/node-gyp/bin/node-gyp.js"
if [ ! -f "$gyp" ]; then
  npm_root="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  gyp="$npm_root/node_modules/node-gyp/bin/node-gyp.js"
fi
[ -f "$gyp" ] || { echo "build-native: node-gyp not found" >&2; exit 1; }
cd "$dir"
node "$gyp" rebuild --nodedir="$nodedir" --loglevel=warn >&2
echo "build-native: built $out" >&2
