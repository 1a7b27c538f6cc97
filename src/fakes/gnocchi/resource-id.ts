// Resource ids (gnocchi/utils.py ResourceUUID): a UUID in any of Python's accepted
// spellings, or any other string mapped with uuid5 under Gnocchi's namespace and
// the creator ("<user_id>:<project_id>" with Keystone auth).
import { createHash } from 'node:crypto';

const RESOURCE_ID_NAMESPACE = '0a7a15ff-aa13-4ac2-897c-9bdf30ce175b';

/** uuid.UUID(value) → canonical lower-case form, or undefined. */
export function parseUuid(value: string): string | undefined {
  const hex = value.replace('urn:', '').replace('uuid:', '').replace(/^\{+|\}+$/g, '').replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export function uuid5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const digest = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  const b = digest.subarray(0, 16);
  b[6] = ((b[6] as number) & 0x0f) | 0x50;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** utils.ResourceUUID(value, creator); throws Error with upstream's ValueError text. */
export function resourceUuid(value: string, creator: string): string {
  if (value.includes('/')) throw new Error("'/' is not supported in resource id");
  const uuid = parseUuid(value);
  if (uuid) return uuid;
  if ([...value].length > 255) throw new Error('transformable resource id >255 max allowed characters');
  return uuid5(RESOURCE_ID_NAMESPACE, `${value}\0${creator}`);
}
