// keystone/auth/schema.py: the token_issue JSON schema (Draft 4) and the extra
// id-or-name checks of validate_issue_token_auth(). Errors read like keystone's
// SchemaValidator: "Invalid input for field '<path>': " + str(jsonschema error),
// where str() is jsonschema's verbose form (message, failing schema, instance).
import { pformat, pyRepr } from '../pyformat.ts';
import { schemaError } from './errors.ts';

type Schema = { [key: string]: unknown };

const stringType: Schema = { type: 'string' };
const idName = (): Schema => ({ type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } });

/** Key order matters: jsonschema reports the first failing keyword in schema order. */
const TOKEN_ISSUE: Schema = {
  type: 'object',
  properties: {
    identity: {
      type: 'object',
      properties: {
        methods: { type: 'array', items: stringType },
        password: {
          type: 'object',
          properties: {
            user: {
              type: 'object',
              properties: { id: stringType, name: stringType, password: stringType, domain: idName() },
            },
          },
        },
        token: { type: 'object', properties: { id: stringType }, required: ['id'] },
      },
      required: ['methods'],
    },
    scope: {
      type: ['object', 'string'],
      properties: {
        project: { type: 'object', properties: { name: stringType, id: stringType, domain: idName() } },
        domain: idName(),
        'OS-TRUST:trust': { type: 'object', properties: { id: stringType } },
        system: { type: 'object', properties: { all: { type: 'boolean', enum: [true, false] } } },
      },
    },
  },
  required: ['identity'],
};

interface SchemaError {
  message: string;
  validator: string;
  path: (string | number)[];
  schemaPath: (string | number)[];
  schema: Schema;
  instance: unknown;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => isType(v, 'object');

/** The first error jsonschema's iter_errors() would yield, or undefined. */
function firstError(schema: Schema, instance: unknown, path: (string | number)[], schemaPath: (string | number)[]): SchemaError | undefined {
  for (const [keyword, value] of Object.entries(schema)) {
    const at = (message: string): SchemaError => ({ message, validator: keyword, path, schemaPath: [...schemaPath, keyword], schema, instance });
    if (keyword === 'type') {
      const types = Array.isArray(value) ? (value as string[]) : [value as string];
      if (!types.some((t) => isType(instance, t))) return at(`${pyRepr(instance)} is not of type ${types.map((t) => pyRepr(t)).join(', ')}`);
    } else if (keyword === 'enum') {
      if (!(value as unknown[]).includes(instance)) return at(`${pyRepr(instance)} is not one of ${pyRepr(value)}`);
    } else if (keyword === 'properties' && isObject(instance)) {
      for (const [prop, sub] of Object.entries(value as Record<string, Schema>)) {
        if (!Object.hasOwn(instance, prop)) continue;
        const err = firstError(sub, instance[prop], [...path, prop], [...schemaPath, 'properties', prop]);
        if (err) return err;
      }
    } else if (keyword === 'items' && Array.isArray(instance)) {
      for (let i = 0; i < instance.length; i++) {
        const err = firstError(value as Schema, instance[i], [...path, i], [...schemaPath, 'items']);
        if (err) return err;
      }
    } else if (keyword === 'required' && isObject(instance)) {
      for (const prop of value as string[]) if (!Object.hasOwn(instance, prop)) return at(`${pyRepr(prop)} is a required property`);
    }
  }
  return undefined;
}

const index = (container: string, parts: (string | number)[]): string =>
  parts.length ? `${container}[${parts.map((p) => pyRepr(p)).join('][')}]` : container;

const indented = (value: unknown): string => '    ' + pformat(value, 72).replace(/\n/g, '\n    ');

/** str(jsonschema.ValidationError): the message, then where it failed in the schema and the instance. */
function verbose(err: SchemaError): string {
  return (
    `${err.message}\n\n` +
    `Failed validating ${pyRepr(err.validator)} in ${index('schema', err.schemaPath.slice(0, -1))}:\n${indented(err.schema)}\n\n` +
    `On ${index('instance', err.path)}:\n${indented(err.instance)}`
  );
}

/** validate_issue_token_auth(auth): throws keystone's 400 SchemaValidationError. */
export function validateIssueTokenAuth(auth: unknown): void {
  if (auth === null || auth === undefined) return;
  const err = firstError(TOKEN_ISSUE, auth, [], []);
  if (err) {
    throw schemaError(err.path.length ? `Invalid input for field '${err.path.join('/')}': ${verbose(err)}` : verbose(err));
  }
  const body = auth as Record<string, unknown>;
  const identity = body.identity as Record<string, unknown>;
  const password = identity.password;
  const user = isObject(password) ? password.user : undefined;
  if (user !== undefined && user !== null) {
    const u = user as Record<string, unknown>;
    if (!Object.hasOwn(u, 'id') && !Object.hasOwn(u, 'name')) throw schemaError('Invalid input for field identity/password/user: id or name must be present.');
    const domain = u.domain;
    if (isObject(domain) && !Object.hasOwn(domain, 'id') && !Object.hasOwn(domain, 'name')) {
      throw schemaError('Invalid input for field identity/password/user/domain: id or name must be present.');
    }
  }
  const scope = body.scope;
  if (isObject(scope)) {
    const project = scope.project;
    if (isObject(project)) {
      if (!Object.hasOwn(project, 'id') && !Object.hasOwn(project, 'name')) throw schemaError('Invalid input for field scope/project: id or name must be present.');
      const domain = project.domain;
      if (isObject(domain) && !Object.hasOwn(domain, 'id') && !Object.hasOwn(domain, 'name')) {
        throw schemaError('Invalid input for field scope/project/domain: id or name must be present.');
      }
    }
    const domain = scope.domain;
    if (isObject(domain) && !Object.hasOwn(domain, 'id') && !Object.hasOwn(domain, 'name')) throw schemaError('Invalid input for field scope/domain: id or name must be present.');
  }
}
