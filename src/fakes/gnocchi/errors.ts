// Gnocchi's error bodies: {"code", "description", "title"}, where description is
// a string or, for detailed validation errors, {"cause", "reason", "detail"}.

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export class GnocchiError extends Error {
  constructor(
    readonly status: number,
    readonly description: unknown,
  ) {
    super(typeof description === 'string' ? description : JSON.stringify(description));
  }
}

export function errorBody(err: GnocchiError): { code: number; description: unknown; title: string } {
  return { code: err.status, description: err.description, title: TITLES[err.status] ?? 'Error' };
}

/** abort(403) for a policy refusal. */
export const forbidden = (): GnocchiError => new GnocchiError(403, 'Access was denied to this resource.');

export const noSuchResource = (id: string): GnocchiError => new GnocchiError(404, `Resource ${id} does not exist`);
export const noSuchMetric = (id: string): GnocchiError => new GnocchiError(404, `Metric ${id} does not exist`);
export const noSuchArchivePolicy = (name: string): string => `Archive policy ${name} does not exist`;

/** A validation error (voluptuous.Invalid): message plus path into the body. */
export class Invalid extends Error {
  constructor(
    message: string,
    readonly path: (string | number)[] = [],
    /** voluptuous adds " for dictionary value" to errors on a mapping's own keys. */
    readonly errorType?: string,
  ) {
    super(message);
  }

  /** str(voluptuous.Invalid): "msg for dictionary value @ data['a'][0]" */
  override toString(): string {
    const where = this.path.length ? ` @ data[${this.path.map((p) => (typeof p === 'number' ? String(p) : `'${p}'`)).join('][')}]` : '';
    return `${this.message}${this.errorType ? ` for ${this.errorType}` : ''}${where}`;
  }
}

/** validate(): "Invalid input: <str(e)>", or the detailed form for measures. */
export function invalidBody(e: Invalid, detailed: boolean): GnocchiError {
  if (detailed) return new GnocchiError(400, { cause: 'Invalid input', reason: e.message, detail: e.path.map(String) });
  return new GnocchiError(400, `Invalid input: ${e.toString()}`);
}
