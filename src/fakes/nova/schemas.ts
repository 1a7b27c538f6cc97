// Request body schemas of the actions and os-services updates the fake serves,
// per microversion, transcribed from nova/api/openstack/compute/schemas/
// (migrate_server.py, evacuate.py, servers.py, services.py) and
// nova/api/validation/parameter_types.py, in the same key order.
import type { Schema } from './jsonschema.ts';
import { isSupported, type Microversion } from './microversion.ts';

const BOOLEAN_VALUES = [
  true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
  false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no',
];

export const booleanParam: Schema = { type: ['boolean', 'string'], enum: BOOLEAN_VALUES };
const fqdn: Schema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };
const name: Schema = { type: 'string', minLength: 1, maxLength: 255, format: 'name' };
const nameOrNone: Schema = { oneOf: [{ type: 'string', minLength: 1, maxLength: 255 }, { type: 'null' }] };
const adminPassword: Schema = { type: 'string' };
const imageId: Schema = { type: 'string', format: 'uuid' };
const metadata: Schema = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
};
const diskConfig: Schema = { type: 'string', enum: ['AUTO', 'MANUAL'] };
const personality: Schema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { path: { type: 'string' }, contents: { type: 'string', format: 'base64' } },
    additionalProperties: false,
  },
};
const description: Schema = {
  type: ['string', 'null'],
  minLength: 0,
  maxLength: 255,
  // Upstream prints its generated range of printable characters here.
  pattern: { js: /^[^\p{C}\p{Zl}\p{Zp}]*$/u, py: '^[<printable characters>]*$' },
};
const trustedCerts: Schema = {
  type: ['array', 'null'],
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  items: { type: 'string', minLength: 1 },
};
const hostname: Schema = { type: 'string', minLength: 2, maxLength: 63, pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$' };
const userData: Schema = { type: ['string', 'null'], format: 'base64', maxLength: 65535 };

/** { <key>: { type: object, properties, required?, additionalProperties: false } } as nova wraps actions. */
function action(key: string, properties: Record<string, Schema>, required?: string[]): Schema {
  const inner: Schema = { type: 'object', properties };
  if (required) inner.required = required;
  inner.additionalProperties = false;
  return { type: 'object', properties: { [key]: inner }, required: [key], additionalProperties: false };
}

const nullableHost: Schema = { ...fqdn, type: ['string', 'null'] };

/** os-migrateLive: 2.1-2.24, 2.25-2.29, 2.30-2.67, 2.68+ */
export function migrateLiveSchema(v: Microversion): Schema {
  if (!isSupported(v, '2.25')) {
    return action(
      'os-migrateLive',
      { block_migration: booleanParam, disk_over_commit: booleanParam, host: nullableHost },
      ['block_migration', 'disk_over_commit', 'host'],
    );
  }
  const blockMigration: Schema = { type: ['boolean', 'string'], enum: [...BOOLEAN_VALUES, 'auto'] };
  const props: Record<string, Schema> = { block_migration: blockMigration, host: nullableHost };
  if (isSupported(v, '2.30', '2.67')) props.force = booleanParam;
  return action('os-migrateLive', props, ['block_migration', 'host']);
}

/** evacuate: 2.1-2.13, 2.14-2.28, 2.29-2.67, 2.68+ (2.95 keeps the 2.68 schema) */
export function evacuateSchema(v: Microversion): Schema {
  if (!isSupported(v, '2.14')) {
    return action('evacuate', { host: fqdn, onSharedStorage: booleanParam, adminPass: adminPassword }, ['onSharedStorage']);
  }
  const props: Record<string, Schema> = { host: fqdn, adminPass: adminPassword };
  if (isSupported(v, '2.29', '2.67')) props.force = booleanParam;
  return action('evacuate', props);
}

export const rebootSchema: Schema = action(
  'reboot',
  { type: { type: 'string', enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } },
  ['type'],
);

/** rebuild: 2.1, 2.19, 2.54, 2.57, 2.63, 2.90, 2.94 */
export function rebuildSchema(v: Microversion): Schema {
  const props: Record<string, Schema> = {
    name,
    imageRef: imageId,
    adminPass: adminPassword,
    metadata,
    preserve_ephemeral: booleanParam,
    'OS-DCF:diskConfig': diskConfig,
    accessIPv4: { type: 'string', format: 'ipv4' },
    accessIPv6: { type: 'string', format: 'ipv6' },
    personality,
  };
  if (isSupported(v, '2.19')) props.description = description;
  if (isSupported(v, '2.54')) props.key_name = nameOrNone;
  if (isSupported(v, '2.57')) {
    delete props.personality;
    props.user_data = userData;
  }
  if (isSupported(v, '2.63')) props.trusted_image_certificates = trustedCerts;
  if (isSupported(v, '2.90')) props.hostname = isSupported(v, '2.94') ? fqdn : hostname;
  return action('rebuild', props, ['imageRef']);
}

const binary: Schema = { type: 'string', minLength: 1, maxLength: 255 };
const disabledReason: Schema = { type: 'string', minLength: 1, maxLength: 255 };

/** PUT /os-services/{action} before 2.53: 2.1-2.10 and 2.11-2.52 (adds forced_down). */
export function serviceActionSchema(v: Microversion): Schema {
  const properties: Record<string, Schema> = { host: fqdn, binary, disabled_reason: disabledReason };
  if (isSupported(v, '2.11')) properties.forced_down = booleanParam;
  return { type: 'object', properties, required: ['host', 'binary'], additionalProperties: false };
}

/** PUT /os-services/{service_uuid} from 2.53. */
export const serviceUpdateSchema: Schema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    disabled_reason: disabledReason,
    forced_down: booleanParam,
  },
  additionalProperties: false,
};

const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** oslo strutils.bool_from_string; `strict` raises on unknown values like upstream. */
export function boolFromString(value: unknown, strict = false, fallback = false): boolean {
  if (typeof value === 'boolean') return value;
  const s = String(value).trim().toLowerCase();
  if (TRUE_STRINGS.includes(s)) return true;
  if (FALSE_STRINGS.includes(s)) return false;
  if (strict) {
    const acceptable = [...TRUE_STRINGS, ...FALSE_STRINGS].sort().map((x) => `'${x}'`).join(', ');
    throw new Error(`Unrecognized value '${String(value)}', acceptable values are: ${acceptable}`);
  }
  return fallback;
}
