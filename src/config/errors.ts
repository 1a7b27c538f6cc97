/** A configuration problem: names the file, the key and what is wrong, never a secret's value. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}: ${key ? key + ': ' : ''}${problem}`);
    this.name = 'ConfigError';
  }
}
