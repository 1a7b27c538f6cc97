// A tiny real guest for the end-to-end test on a real libvirtd: Debian's cloud kernel,
// a busybox initramfs that loads the virtio modules, mounts its disks and runs qemu-ga
// on the virtio-serial port. TCG (no KVM here): answers guest-ping ~6 s after start.
// The guest has no network (nothing leaves the host); tests ping 127.0.0.1 inside it.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

export const SYSTEM_URI = 'qemu:///system';

function kernelVersion(): string {
  const k = readdirSync('/boot').find((f) => /^vmlinuz-.*-cloud-amd64$/.test(f));
  if (!k) throw new Error('no cloud kernel in /boot: install linux-image-cloud-amd64 (scripts/prereqs.sh does)');
  return k.slice('vmlinuz-'.length);
}

const MODULES = ['virtio_ring', 'virtio', 'virtio_pci_legacy_dev', 'virtio_pci_modern_dev', 'virtio_pci', 'virtio_blk', 'virtio_console'];

const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /run /data /ro /tmp
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in ${MODULES.join(' ')}; do insmod /lib/modules/$m.ko; done
ip link set lo up
mount -t ext4 /dev/vda /data
mount -t ext4 -o ro /dev/vdb /ro
port=""
while [ -z "$port" ]; do
  for p in /sys/class/virtio-ports/*; do
    [ "$(cat $p/name 2>/dev/null)" = org.qemu.guest_agent.0 ] && port=/dev/$(basename $p)
  done
  [ -z "$port" ] && sleep 0.2
done
echo "vmha-guest: qemu-ga on $port"
while true; do qemu-ga -m virtio-serial -p "$port" -t /run; sleep 1; done
`;

/** Builds (once per kernel, cached in the temp dir) the guest's initramfs; returns [kernel, initrd]. */
export function guestImage(): { kernel: string; initrd: string } {
  const kv = kernelVersion();
  const cache = path.join(tmpdir(), `vmha-tcg-guest-${kv}`);
  const initrd = path.join(cache, 'initrd.cpio.gz');
  if (existsSync(initrd)) return { kernel: `/boot/vmlinuz-${kv}`, initrd };
  const root = mkdtempSync(path.join(tmpdir(), 'vmha-initramfs-'));
  try {
    for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'lib/modules', 'etc']) mkdirSync(path.join(root, d), { recursive: true });
    copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
    copyFileSync('/usr/sbin/qemu-ga', path.join(root, 'usr/sbin/qemu-ga'));
    chmodSync(path.join(root, 'usr/sbin/qemu-ga'), 0o755);
    // qemu-ga's shared libraries, at the paths the loader looks them up.
    const ldd = execFileSync('ldd', ['/usr/sbin/qemu-ga'], { encoding: 'utf8' });
    for (const m of ldd.matchAll(/(\/\S+\.so[.\d]*)/g)) {
      const lib = m[1]!;
      const dest = path.join(root, lib);
      mkdirSync(path.dirname(dest), { recursive: true });
      copyFileSync(lib, dest);
    }
    const modDir = `/lib/modules/${kv}`;
    const dep = readFileSync(path.join(modDir, 'modules.dep'), 'utf8');
    for (const name of MODULES) {
      const rel = dep.split('\n').map((l) => l.split(':')[0]!).find((p) => path.basename(p) === `${name}.ko`);
      if (!rel) throw new Error(`module ${name} not in ${modDir}`);
      copyFileSync(path.join(modDir, rel), path.join(root, 'lib/modules', `${name}.ko`));
    }
    writeFileSync(path.join(root, 'init'), INIT, { mode: 0o755 });
    symlinkSync('/bin/busybox', path.join(root, 'bin/sh'));
    mkdirSync(cache, { recursive: true });
    const r = spawnSync('sh', ['-c', `cd '${root}' && find . | cpio -o -H newc --quiet | gzip -1 > '${initrd}.${process.pid}.tmp' && mv '${initrd}.${process.pid}.tmp' '${initrd}'`]);
    if (r.status !== 0) throw new Error(`cannot build initramfs: ${r.stderr}`);
    chmodSync(cache, 0o755);
    return { kernel: `/boot/vmlinuz-${kv}`, initrd };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Starts libvirtd (and virtlogd) when no daemon answers on qemu:///system. */
export function ensureLibvirtd(): void {
  if (spawnSync('virsh', ['-c', SYSTEM_URI, 'version'], { stdio: 'ignore' }).status === 0) return;
  spawnSync('virtlogd', ['-d'], { stdio: 'ignore' });
  // May fail because another test run started it a moment ago: wait for the socket either way.
  const r = spawnSync('libvirtd', ['-d'], { encoding: 'utf8' });
  for (let i = 0; i < 100; i++) {
    if (spawnSync('virsh', ['-c', SYSTEM_URI, 'version'], { stdio: 'ignore' }).status === 0) return;
    spawnSync('sleep', ['0.1']);
  }
  throw new Error(`libvirtd does not answer on ${SYSTEM_URI}: ${r.stderr}`);
}

export interface TcgGuest {
  uuid: string;
  name: string;
  dir: string;
  destroy(): void;
}

/**
 * Creates (virsh create: transient) the tiny guest with a writable /data and a read-only /ro
 * disk, and a raw /dev/vdc whose image lies on a 1 MiB tmpfs: writing more than that to it
 * makes qemu pause the guest on an I/O error (ENOSPC, qemu's default error policy).
 */
export function createTcgGuest(): TcgGuest {
  ensureLibvirtd();
  const { kernel, initrd } = guestImage();
  const dir = mkdtempSync(path.join(tmpdir(), 'vmha-tcg-'));
  chmodSync(dir, 0o755);
  for (const disk of ['data', 'ro']) {
    const img = path.join(dir, `${disk}.img`);
    execFileSync('truncate', ['-s', '16M', img]);
    execFileSync('mkfs.ext4', ['-q', '-F', img]);
  }
  const fullDir = path.join(dir, 'full');
  mkdirSync(fullDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1M,mode=755', 'vmha-full', fullDir]);
  execFileSync('truncate', ['-s', '16M', path.join(fullDir, 'full.img')]);
  const uuid = randomUUID();
  const name = `vmha-e2e-${uuid.slice(0, 8)}`;
  const xml = `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${kernel}</kernel>
    <initrd>${initrd}</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' error_policy='report'/>
      <source file='${dir}/data.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${dir}/ro.img'/>
      <target dev='vdb' bus='virtio'/>
      <readonly/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='${fullDir}/full.img'/>
      <target dev='vdc' bus='virtio'/>
    </disk>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <serial type='file'>
      <source path='${dir}/console.log'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>`;
  writeFileSync(path.join(dir, 'domain.xml'), xml);
  try {
    execFileSync('virsh', ['-q', '-c', SYSTEM_URI, 'create', path.join(dir, 'domain.xml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    spawnSync('umount', [fullDir], { stdio: 'ignore' });
    throw err;
  }
  return {
    uuid,
    name,
    dir,
    destroy: () => {
      spawnSync('virsh', ['-q', '-c', SYSTEM_URI, 'destroy', uuid], { stdio: 'ignore' });
      spawnSync('umount', [fullDir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
