// Runs a schema the way nova/api/validation/validators.py reports failures:
// the first error, as "Invalid input for field/attribute <key>. Value: <v>. <msg>"
// for bodies, "Invalid input for query parameters <key>. ..." for queries, or
// the bare message when the error is at the root.
import type { QueryParams } from './context.ts';
import { badRequest } from './faults.ts';
import { firstError, type Schema } from './jsonschema.ts';
import { pyStr } from './pyrepr.ts';

/** Throws 400 when the body does not match. */
export function validateBody(schema: Schema, body: unknown): void {
  const err = firstError(schema, body);
  if (!err) return;
  if (err.invalidName) throw badRequest(err.message);
  if (err.path.length > 0) {
    const key = err.path[err.path.length - 1]!;
    throw badRequest(`Invalid input for field/attribute ${key}. Value: ${pyStr(err.instance)}. ${err.message}`);
  }
  throw badRequest(err.message);
}

/** Throws 400 when the query does not match (values are lists, as in req.GET.dict_of_lists()). */
export function validateQuery(schema: Schema, query: QueryParams): void {
  const err = firstError(schema, query.toDict());
  if (!err) return;
  if (err.path.length > 0) {
    throw badRequest(`Invalid input for query parameters ${err.path[0]!}. Value: ${pyStr(err.instance)}. ${err.message}`);
  }
  throw badRequest(err.message);
}
