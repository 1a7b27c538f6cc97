// Keystone's error classes (keystone/exception.py) as rendered by its Flask error
// handler: {"error": {"code", "message", "title"}}, plus "identity" for auth-plugin
// errors and WWW-Authenticate on every 401. insecure_debug is off, so security
// errors show their generic message, never the detail.

export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    /** Only AuthPluginException subclasses carry this (rendered as error.identity). */
    readonly identity?: unknown,
  ) {
    super(message);
  }
}

const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

/** ValidationError: "Expecting to find <attribute> in <target>. ..." (target may be Python's None). */
export function validationError(attribute: string, target: string | null): KeystoneError {
  return new KeystoneError(
    400,
    'Bad Request',
    `Expecting to find ${attribute} in ${target ?? 'None'}. The server could not comply with the request ` +
      'since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
  );
}

/** SchemaValidationError: the detail is the whole message. */
export function schemaError(detail: string): KeystoneError {
  return new KeystoneError(400, 'Bad Request', detail);
}

/** Unauthorized: wrong password, unknown user/project/domain, no role, bad secret, ... */
export function unauthorized(): KeystoneError {
  return new KeystoneError(401, 'Unauthorized', UNAUTHORIZED_MESSAGE);
}

/** AuthMethodNotSupported lists the methods this deployment accepts. */
export function methodNotSupported(methods: readonly string[]): KeystoneError {
  return new KeystoneError(401, 'Unauthorized', 'Attempted to authenticate with an unsupported method.', { methods: [...methods] });
}

/** ApplicationCredentialAuthError, e.g. when an application credential asks for a scope. */
export function appCredAuthError(detail: string): KeystoneError {
  return new KeystoneError(401, 'Unauthorized', `Error authenticating with application credential: ${detail}`, {});
}

export function notFound(message: string): KeystoneError {
  return new KeystoneError(404, 'Not Found', message);
}

export function forbiddenAction(action: string): KeystoneError {
  return new KeystoneError(403, 'Forbidden', `You are not authorized to perform the requested action: ${action}.`);
}

export function unexpected(): KeystoneError {
  return new KeystoneError(500, 'Internal Server Error', 'An unexpected error prevented the server from fulfilling your request.');
}

/** The JSON body Keystone sends for an error (Flask's jsonify sorts keys). */
export function errorBody(err: KeystoneError): { error: Record<string, unknown> } {
  const error: Record<string, unknown> = { code: err.status };
  if (err.identity !== undefined) error.identity = err.identity;
  error.message = err.message;
  error.title = err.title;
  return { error };
}
