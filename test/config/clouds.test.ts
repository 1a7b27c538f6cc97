import { expect } from 'chai';
import { cloudsYamlCandidates, resolveCredentials } from '../../src/config/clouds.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { tmpDir } from '../helpers/tmp.ts';

const CLOUDS = `
clouds:
  prod:
    auth:
      auth_url: https://keystone.example:5000/v3
      username: vmha
      password: pw-prod-secret
      project_name: service
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionTwo
    interface: internal
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: http://127.0.0.1:5000
      application_credential_id: ac-id-1
      application_credential_secret: ac-secret
  nodomain:
    auth:
      auth_url: http://127.0.0.1:5000
      username: u
      password: p
      project_name: p
`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected ConfigError');
}

describe('config/clouds', () => {
  const t = tmpDir();
  const home = `${t.dir}/home`;
  const cwd = `${t.dir}/cwd`;
  after(() => t.cleanup());

  it('searches OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/, /etc/openstack/ in that order', () => {
    expect(cloudsYamlCandidates({ env: { OS_CLIENT_CONFIG_FILE: '/x/c.yaml' }, cwd: '/w', home: '/h' })).to.deep.equal([
      '/x/c.yaml',
      '/w/clouds.yaml',
      '/h/.config/openstack/clouds.yaml',
      '/etc/openstack/clouds.yaml',
    ]);
  });

  it('reads a password cloud from ~/.config/openstack chosen by OS_CLOUD', () => {
    t.write('home/.config/openstack/clouds.yaml', CLOUDS);
    const c = resolveCredentials({ env: { OS_CLOUD: 'prod' }, cwd, home });
    expect(c.authUrl).to.equal('https://keystone.example:5000/v3');
    expect(c.region).to.equal('RegionTwo');
    expect(c.interface).to.equal('internal');
    expect(c.auth).to.deep.include({ type: 'password', username: 'vmha', projectName: 'service', userDomainName: 'Default' });
    expect(c.source).to.contain("cloud 'prod'");
  });

  it('prefers openstack.cloud over OS_CLOUD and ./clouds.yaml over the home one', () => {
    t.write('cwd/clouds.yaml', CLOUDS.replace('pw-prod-secret', 'pw-from-cwd'));
    const c = resolveCredentials({ cloud: 'prod', env: { OS_CLOUD: 'appcred' }, cwd, home });
    expect(c.auth.type).to.equal('password');
    expect(c.auth.type === 'password' && c.auth.password).to.equal('pw-from-cwd');
  });

  it('reads application credentials and merges secure.yaml', () => {
    const file = t.write('etc/clouds.yaml', CLOUDS.replace('application_credential_secret: ac-secret', ''));
    t.write('etc/secure.yaml', 'clouds:\n  appcred:\n    auth:\n      application_credential_secret: from-secure\n');
    const c = resolveCredentials({ env: { OS_CLOUD: 'appcred', OS_CLIENT_CONFIG_FILE: file }, cwd, home });
    expect(c.auth).to.deep.equal({
      type: 'v3applicationcredential',
      applicationCredentialId: 'ac-id-1',
      applicationCredentialName: undefined,
      applicationCredentialSecret: 'from-secure',
      username: undefined,
      userId: undefined,
      userDomainName: undefined,
      userDomainId: undefined,
    });
    expect(c.interface).to.equal('public');
  });

  it('reads the OS_* variables when no cloud is named', () => {
    const c = resolveCredentials({
      env: {
        OS_AUTH_URL: 'http://127.0.0.1/identity',
        OS_USERNAME: 'admin',
        OS_PASSWORD: 'pw',
        OS_PROJECT_NAME: 'admin',
        OS_USER_DOMAIN_NAME: 'Default',
        OS_PROJECT_DOMAIN_NAME: 'Default',
        OS_REGION_NAME: 'RegionOne',
        OS_INTERFACE: 'admin',
        OS_INSECURE: 'true',
      },
      cwd,
      home,
    });
    expect(c.source).to.equal('OS_* environment variables');
    expect(c.verify).to.equal(false);
    expect(c.interface).to.equal('admin');
    expect(c.region).to.equal('RegionOne');
  });

  it('infers application-credential auth from OS_APPLICATION_CREDENTIAL_* and reads OS_CACERT', () => {
    const ca = t.write('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = resolveCredentials({
      env: {
        OS_AUTH_URL: 'http://127.0.0.1/identity/v3',
        OS_APPLICATION_CREDENTIAL_ID: 'id1',
        OS_APPLICATION_CREDENTIAL_SECRET: 's1',
        OS_CACERT: ca,
      },
      cwd,
      home,
    });
    expect(c.auth.type).to.equal('v3applicationcredential');
    expect(c.caCert).to.contain('BEGIN CERTIFICATE');
    expect(c.verify).to.equal(true);
  });

  it('an unknown cloud names the file and the known clouds', () => {
    const file = t.write('u/clouds.yaml', CLOUDS);
    const err = configError(() => resolveCredentials({ cloud: 'nope', env: { OS_CLIENT_CONFIG_FILE: file }, cwd, home }));
    expect(err.message).to.equal(`${file}: clouds.nope: unknown cloud 'nope' (known: prod, appcred, nodomain)`);
  });

  it('a missing auth_url names the key, in clouds.yaml and in the environment', () => {
    const file = t.write('m/clouds.yaml', CLOUDS.replace('      auth_url: https://keystone.example:5000/v3\n', ''));
    const err = configError(() => resolveCredentials({ cloud: 'prod', env: { OS_CLIENT_CONFIG_FILE: file }, cwd, home }));
    expect(err.key).to.equal('clouds.prod.auth.auth_url');
    const envErr = configError(() => resolveCredentials({ env: { OS_USERNAME: 'a', OS_PASSWORD: 'b' }, cwd, home }));
    expect(envErr.key).to.equal('OS_AUTH_URL');
  });

  it('a named user needs its domain; the error says which key', () => {
    const file = t.write('d/clouds.yaml', CLOUDS);
    const err = configError(() => resolveCredentials({ cloud: 'nodomain', env: { OS_CLIENT_CONFIG_FILE: file }, cwd, home }));
    expect(err.key).to.equal('clouds.nodomain.auth.user_domain_name');
  });

  it('malformed clouds.yaml gives one line naming the file, never the password', () => {
    const file = t.write('b/clouds.yaml', 'clouds:\n  prod:\n    auth: {password: "topsecret\n');
    const err = configError(() => resolveCredentials({ cloud: 'prod', env: { OS_CLIENT_CONFIG_FILE: file }, cwd, home }));
    expect(err.message.split('\n')).to.have.length(1);
    expect(err.message).to.contain(file);
    expect(err.message).not.to.contain('topsecret');
  });

  it('no credentials at all says how to provide them', () => {
    const err = configError(() => resolveCredentials({ env: {}, cwd, home }));
    expect(err.message).to.match(/no OpenStack credentials/);
  });

  it('rejects an unsupported auth type', () => {
    const file = t.write('t/clouds.yaml', CLOUDS.replace('auth_type: v3applicationcredential', 'auth_type: v3totp'));
    const err = configError(() => resolveCredentials({ cloud: 'appcred', env: { OS_CLIENT_CONFIG_FILE: file }, cwd, home }));
    expect(err.key).to.equal('clouds.appcred.auth_type');
    expect(err.problem).to.match(/unsupported auth type 'v3totp'/);
  });
});
