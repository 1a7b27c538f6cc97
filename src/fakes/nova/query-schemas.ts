// Query string schemas (values are lists, as webob hands them to nova's
// query_schema decorator), from nova's schemas/servers.py, migrations.py and
// services.py. Before the microversion that closes them, unknown keys pass.
import type { Schema } from './jsonschema.ts';
import { isSupported, type Microversion } from './microversion.ts';

const multi = (items: Schema): Schema => ({ type: 'array', items });
const single = (items: Schema): Schema => ({ type: 'array', items, maxItems: 1 });
const param = multi({ type: 'string' });
const regexParam = multi({ type: 'string', format: 'regex' });
const nonNegativeInteger: Schema = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 0, minLength: 1 };
const dateTime: Schema = { type: 'string', format: 'date-time' };

/** GET /os-services: host and binary; closed from 2.75. */
export function servicesQuerySchema(v: Microversion): Schema {
  return { type: 'object', properties: { host: param, binary: param }, additionalProperties: !isSupported(v, '2.75') };
}

/** GET /os-migrations: 2.1-2.58 open, then 2.59, 2.66 and 2.80 closed schemas. */
export function migrationsQuerySchema(v: Microversion): Schema {
  const properties: Record<string, Schema> = {
    hidden: param,
    host: param,
    instance_uuid: param,
    source_compute: param,
    status: param,
    migration_type: param,
  };
  if (!isSupported(v, '2.59')) return { type: 'object', properties, additionalProperties: true };
  properties.limit = single(nonNegativeInteger);
  properties.marker = single({ type: 'string' });
  properties['changes-since'] = single(dateTime);
  if (isSupported(v, '2.66')) properties['changes-before'] = single(dateTime);
  if (isSupported(v, '2.80')) {
    properties.user_id = param;
    properties.project_id = param;
  }
  return { type: 'object', properties, additionalProperties: false };
}

const IGNORED_SORT_KEYS = [
  'architecture', 'cell_name', 'cleaned', 'default_ephemeral_device', 'default_swap_device', 'deleted', 'deleted_at',
  'disable_terminate', 'ephemeral_gb', 'ephemeral_key_uuid', 'id', 'key_data', 'launched_on', 'locked', 'memory_mb',
  'os_type', 'reservation_id', 'root_gb', 'shutdown_terminate', 'user_data', 'vcpus', 'vm_mode',
];
export const VALID_SORT_KEYS = [
  'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'availability_zone', 'config_drive', 'created_at',
  'display_description', 'display_name', 'host', 'hostname', 'image_ref', 'instance_type_id', 'kernel_id', 'key_name',
  'launch_index', 'launched_at', 'locked_by', 'node', 'power_state', 'progress', 'project_id', 'ramdisk_id',
  'root_device_name', 'task_state', 'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state',
];

function sortKeys(v: Microversion): string[] {
  if (isSupported(v, '2.75')) return ['locked', ...VALID_SORT_KEYS];
  if (isSupported(v, '2.73')) return ['locked', ...VALID_SORT_KEYS, ...IGNORED_SORT_KEYS.filter((k) => k !== 'locked')];
  return [...VALID_SORT_KEYS, ...IGNORED_SORT_KEYS];
}

/** Sort keys accepted but ignored (not applied) at this version. */
export function ignoredSortKeys(v: Microversion): string[] {
  if (isSupported(v, '2.75')) return [];
  return isSupported(v, '2.73') ? IGNORED_SORT_KEYS.filter((k) => k !== 'locked') : IGNORED_SORT_KEYS;
}

const REGEX_FILTERS = [
  'kernel_id', 'ramdisk_id', 'hostname', 'key_name', 'power_state', 'node', 'flavor', 'reservation_id', 'launched_at',
  'terminated_at', 'availability_zone', 'name', 'display_name', 'description', 'display_description', 'locked_by',
  'root_device_name', 'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'ip', 'ip6',
  'created_at',
];
const PLAIN_FILTERS = [
  'user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'vm_state', 'task_state', 'host', 'uuid',
  'sort_dir', 'all_tenants', 'soft_deleted', 'deleted', 'status',
];
/** Joined-table filters: accepted by the schema, then refused by the handler. */
export const JOINED_TABLE_FILTERS = [
  'block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices',
];

/** GET /servers and /servers/detail: 2.1, 2.26, 2.66, 2.73, 2.75 (closed). */
export function serversQuerySchema(v: Microversion): Schema {
  const properties: Record<string, Schema> = {};
  for (const k of PLAIN_FILTERS) properties[k] = param;
  for (const k of REGEX_FILTERS) properties[k] = regexParam;
  properties.sort_key = multi({ type: 'string', enum: sortKeys(v) });
  properties['changes-since'] = multi(dateTime);
  for (const k of JOINED_TABLE_FILTERS) properties[k] = param;
  properties.limit = multi(nonNegativeInteger);
  properties.marker = multi({ type: 'string' });
  if (isSupported(v, '2.26')) for (const k of ['tags', 'tags-any', 'not-tags', 'not-tags-any']) properties[k] = regexParam;
  if (isSupported(v, '2.66')) properties['changes-before'] = multi(dateTime);
  if (isSupported(v, '2.73')) properties.locked = param;
  return {
    type: 'object',
    properties,
    additionalProperties: !isSupported(v, '2.75'),
    patternProperties: { '^_': param },
  };
}

/** GET /servers/{id}: open until 2.102 closes it. */
export function serverShowQuerySchema(v: Microversion): Schema {
  return { type: 'object', properties: {}, additionalProperties: !isSupported(v, '2.102') };
}
