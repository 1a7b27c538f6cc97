#!/usr/bin/env bash
# Makes the probe agent's two libvirt bindings usable; both compile against libvirt-dev,
# so this runs after scripts/prereqs.sh (`npm ci` runs before it, when libvirt-dev may not
# be installed yet on a fresh machine):
#   - @unraid/libvirt (listing domains): an optionalDependency, so `npm ci` goes on when
#     its compile fails, and npm then removes it. Installed again here from the lockfile.
#   - our addon agents/native (guest-agent command, domain state reason, events).
# Nothing is downloaded but npm packages: --nodedir points node-gyp at the headers
# Debian's nodejs or the Node install ships.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

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
# npm passes this on to node-gyp (its install scripts and `npm rebuild`).
export npm_config_nodedir="$nodedir"

# ---- @unraid/libvirt ----
# Loads the package and its compiled part (the Hypervisor constructor requires it).
check='const m = await import("@unraid/libvirt"); new m.Hypervisor({ uri: "test:///default" });'
unraid_loads() { (cd "$here" && node --input-type=module -e "$check") 2>/dev/null; }
if ! unraid_loads; then
  started=$SECONDS
  if [ -f "$here/node_modules/@unraid/libvirt/package.json" ]; then
    (cd "$here" && npm rebuild @unraid/libvirt --no-audit --no-fund --loglevel=warn) >&2
  else
    # Installs what the lockfile lists and node_modules lacks: @unraid/libvirt and its
    # own dependencies (from npm's cache when `npm ci` fetched them already). A deployment
    # made with `npm ci --omit=dev` stays without devDependencies.
    omit=()
    [ -d "$here/node_modules/typescript" ] || omit=(--omit=dev)
    (cd "$here" && npm install --no-save --prefer-offline --no-audit --no-fund --loglevel=warn "${omit[@]}") >&2
  fi
  if ! unraid_loads; then
    echo "build-native: @unraid/libvirt still does not load; the probe agent will use virsh" >&2
    (cd "$here" && node --input-type=module -e "$check") >&2 || true
    exit 1
  fi
  echo "build-native: built @unraid/libvirt in $((SECONDS - started)) s" >&2
fi

# ---- our addon ----
dir="$here/agents/native"
out="$dir/build/Release/vmha_libvirt.node"
src="$dir/src/vmha_libvirt.cc"
# Up to date: nothing to do (keeps `npm test` fast).
if [ -f "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$dir/binding.gyp" ]; then exit 0; fi
gyp="$here/node_modules/node-gyp/bin/node-gyp.js"
if [ ! -f "$gyp" ]; then
  npm_root="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
  gyp="$npm_root/node_modules/node-gyp/bin/node-gyp.js"
fi
[ -f "$gyp" ] || { echo "build-native: node-gyp not found" >&2; exit 1; }
cd "$dir"
node "$gyp" rebuild --nodedir="$nodedir" --loglevel=warn >&2
echo "build-native: built $out" >&2
