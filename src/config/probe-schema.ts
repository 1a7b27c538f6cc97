// The `probe:` section of vmha.yaml: the per-compute-host probe agent (agents/).
// Unknown keys are errors, as in the rest of the schema.
import { z } from 'zod';

const seconds = (max: number) => z.number().positive().max(max);

export const probeSchema = z
  .object({
    /** libvirt connection of this compute host. */
    libvirt_uri: z.string().min(1).default('qemu:///system'),
    /** This compute host's name in Nova (its nova-compute `host`); default: the hostname. */
    host: z.string().min(1).optional(),
    /** How to reach guest agents: our libvirt addon, virsh, or auto (addon when built, else virsh). */
    transport: z.enum(['auto', 'libvirt', 'virsh']).default('auto'),
    /** Guests reached on qemu-ga unix sockets instead of libvirt (hosts without libvirt, tests). */
    sockets: z
      .array(z.object({ uuid: z.string().uuid(), path: z.string().min(1), name: z.string().optional() }).strict())
      .default([]),
    /** Seconds between probe cycles. */
    interval_s: seconds(3600).default(10),
    /** Guests start at a random offset in [0, jitter_s) within a cycle, spreading the load. */
    jitter_s: z.number().min(0).max(600).default(2),
    /** Guests probed at once. */
    concurrency: z.number().int().min(1).max(512).default(16),
    /** Timeout of each guest-agent command; an agent silent this long counts as down. */
    agent_timeout_s: seconds(120).default(3),
    ha: z
      .object({
        /** Probe only instances whose Nova metadata marks them HA-enabled. */
        filter: z.boolean().default(true),
        metadata_key: z.string().min(1).default('HA_Enabled'),
        metadata_value: z.string().default('True'),
        /** Seconds a Nova answer is reused before asking again. */
        refresh_s: seconds(86400).default(300),
      })
      .strict()
      .default({ filter: true, metadata_key: 'HA_Enabled', metadata_value: 'True', refresh_s: 300 }),
    ping: z
      .object({
        /** "gateway" (the guest's default gateway) or an address or host name. */
        target: z.string().min(1).default('gateway'),
        /** Seconds to wait for an echo reply; 999 is published past it. */
        timeout_s: seconds(60).default(2),
        count: z.number().int().min(1).max(10).default(1),
        /** Ping the guest from the host when guest-exec is unavailable or the agent is silent. */
        host_fallback: z.boolean().default(true),
        /** The host-side ping command, e.g. [ip, netns, exec, qdhcp-<net>, ping] to reach tenant networks. */
        host_command: z.array(z.string().min(1)).min(1).default(['ping']),
      })
      .strict()
      .default({ target: 'gateway', timeout_s: 2, count: 1, host_fallback: true, host_command: ['ping'] }),
    disk: z
      .object({
        /** Guest mount points to probe. */
        filesystems: z.array(z.string().startsWith('/')).min(1).default(['/']),
        /** Bytes written, flushed, synced and read back per filesystem: tiny writes hide a failing disk. */
        size_bytes: z.number().int().min(4096).max(64 * 1024 * 1024).default(1024 * 1024),
        /** Bytes per guest-file-write/read. Above ~128 KiB, commands through libvirt and virtio-serial arrived corrupted in our tests. */
        chunk_bytes: z.number().int().min(4096).max(64 * 1024).default(64 * 1024),
        file_name: z.string().regex(/^[A-Za-z0-9._-]+$/).default('.vmha-disk-probe'),
        /** Timeout of each disk command (a write or read of one chunk); past it the disk counts as failed. */
        timeout_s: seconds(600).default(10),
      })
      .strict()
      .default({ filesystems: ['/'], size_bytes: 1048576, chunk_bytes: 65536, file_name: '.vmha-disk-probe', timeout_s: 10 }),
    publish: z
      .object({
        /** Archive policy of new metrics; the one `vmha archive-policy ensure` creates. */
        archive_policy: z.string().min(1).default('vmha-10s'),
        /** Measures kept while Gnocchi is unreachable; the oldest are dropped past it. */
        buffer_max: z.number().int().min(1).max(10_000_000).default(100_000),
        retries: z.number().int().min(0).max(10).default(2),
      })
      .strict()
      .default({ archive_policy: 'vmha-10s', buffer_max: 100_000, retries: 2 }),
    /** Prometheus /metrics listener; empty to disable. */
    metrics_listen: z.string().default('127.0.0.1:9187'),
  })
  .strict();

export type ProbeConfig = z.infer<typeof probeSchema>;

/** The probe section with every default applied. */
export function defaultProbeConfig(): ProbeConfig {
  return probeSchema.parse({});
}
