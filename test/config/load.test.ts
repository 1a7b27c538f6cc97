import { expect } from 'chai';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig, maskSecrets, parseConfig, resolveConfigPath } from '../../src/config/load.ts';
import { tmpDir } from '../helpers/tmp.ts';

const VALID = `
openstack:
  cloud: mycloud
webhook:
  listen: 127.0.0.1:8780
  public_url: http://127.0.0.1:8780
  secret: s3cr3t-value-xyz
state:
  dir: /var/lib/vmha
`;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config/load', () => {
  it('resolves the path from --config, then $VMHA_CONFIG, then /etc/vmha/vmha.yaml', () => {
    expect(resolveConfigPath('/a.yaml', { VMHA_CONFIG: '/b.yaml' })).to.equal('/a.yaml');
    expect(resolveConfigPath(undefined, { VMHA_CONFIG: '/b.yaml' })).to.equal('/b.yaml');
    expect(resolveConfigPath(undefined, {})).to.equal('/etc/vmha/vmha.yaml');
  });

  it('parses a valid file, applies defaults and freezes the result', () => {
    const c = parseConfig(VALID, 'vmha.yaml');
    expect(c.webhook.listen).to.equal('127.0.0.1:8780');
    expect(c.openstack.timeout_seconds).to.equal(30);
    expect(c.log.level).to.equal('info');
    expect(Object.isFrozen(c.webhook)).to.equal(true);
    expect(() => {
      (c.webhook as { secret: string }).secret = 'x';
    }).to.throw(TypeError);
  });

  it('accepts the committed example file', () => {
    const c = loadConfig(new URL('../../vmha.example.yaml', import.meta.url).pathname);
    expect(c.webhook.public_url).to.match(/^http/);
  });

  it('names the file and key of a wrong value, without the secret', () => {
    const err = errorOf(() => parseConfig(VALID.replace('127.0.0.1:8780\n  public_url', 'nowhere\n  public_url'), 'vmha.yaml'));
    expect(err.file).to.equal('vmha.yaml');
    expect(err.key).to.equal('webhook.listen');
    expect(err.message).to.match(/^vmha\.yaml: webhook\.listen: expected host:port/);
    expect(err.message).not.to.contain('s3cr3t');
  });

  it('reports a missing required key as missing', () => {
    const err = errorOf(() => parseConfig('webhook:\n  public_url: http://x:1\n', 'f.yaml'));
    expect(err.key).to.equal('webhook.secret');
    expect(err.problem).to.equal('required setting is missing');
  });

  it('rejects unknown keys (a typo must not fall back to a default)', () => {
    const err = errorOf(() => parseConfig(VALID + 'stat:\n  dir: /x\n', 'f.yaml'));
    expect(err.key).to.equal('stat');
    expect(err.problem).to.match(/unknown setting/);
    const nested = errorOf(() => parseConfig(VALID.replace('  dir: /var/lib/vmha', '  dri: /x'), 'f.yaml'));
    expect(nested.key).to.equal('state.dri');
  });

  it('rejects a short secret without echoing it', () => {
    const err = errorOf(() => parseConfig(VALID.replace('s3cr3t-value-xyz', 'abc'), 'f.yaml'));
    expect(err.key).to.equal('webhook.secret');
    expect(err.message).not.to.contain('abc\n');
    expect(err.message).not.to.match(/\babc\b/);
  });

  it('rejects public_url with credentials or a non-http scheme', () => {
    expect(errorOf(() => parseConfig(VALID.replace('http://127.0.0.1:8780', 'ftp://h/'), 'f')).key).to.equal('webhook.public_url');
    expect(errorOf(() => parseConfig(VALID.replace('http://127.0.0.1:8780', 'http://u:p@h/'), 'f')).key).to.equal('webhook.public_url');
  });

  it('gives one clear line for malformed YAML, without quoting the source line', () => {
    const text = 'webhook:\n  secret: "hunter2-very-secret\n  public_url: [\n';
    const err = errorOf(() => parseConfig(text, 'bad.yaml'));
    expect(err.message.split('\n')).to.have.length(1);
    expect(err.message).to.match(/^bad\.yaml: malformed YAML/);
    expect(err.message).not.to.contain('hunter2');
  });

  it('rejects duplicate keys and a non-mapping document', () => {
    expect(errorOf(() => parseConfig('a: 1\na: 2\n', 'f')).message).to.match(/malformed YAML/);
    expect(errorOf(() => parseConfig('- 1\n- 2\n', 'f')).problem).to.match(/mapping/);
    expect(errorOf(() => parseConfig('', 'f')).problem).to.match(/mapping/);
  });

  it('says when the file is missing', () => {
    const t = tmpDir();
    try {
      const err = errorOf(() => loadConfig(`${t.dir}/none.yaml`));
      expect(err.message).to.equal(`${t.dir}/none.yaml: file not found`);
    } finally {
      t.cleanup();
    }
  });

  it('masks secrets in the printable copy only', () => {
    const c = parseConfig(VALID, 'f');
    const masked = maskSecrets(c) as { webhook: { secret: string } };
    expect(masked.webhook.secret).to.equal('***');
    expect(c.webhook.secret).to.equal('s3cr3t-value-xyz');
    expect(JSON.stringify(masked)).not.to.contain('s3cr3t');
  });
});
