import { expect } from 'chai';
import YAML from 'yaml';
import { startFakeCloud, type FakeCloud } from '../../src/fakes/cloud.ts';
import { runVmha } from '../helpers/cli.ts';
import { tmpDir } from '../helpers/tmp.ts';

const CONFIG = (cloud?: string): string => `
${cloud ? `openstack:\n  cloud: ${cloud}\n` : ''}webhook:
  listen: 127.0.0.1:8780
  public_url: http://127.0.0.1:8780
  secret: very-secret-webhook-key
state:
  dir: /tmp/vmha-state
`;

describe('vmha config check (the real executable)', function () {
  this.timeout(30_000);
  let cloud: FakeCloud;
  const t = tmpDir();
  let clouds: string;

  before(async () => {
    cloud = await startFakeCloud();
    const { id } = cloud.keystone.addApplicationCredential({
      userName: 'vmha',
      name: 'cli-ac',
      secret: 'cli-ac-secret',
      projectName: 'service',
      roles: ['admin'],
    });
    clouds = t.write(
      'clouds.yaml',
      YAML.stringify({
        clouds: {
          test: {
            auth: {
              auth_url: cloud.authUrl,
              username: 'vmha',
              password: 'vmha-secret',
              project_name: 'service',
              user_domain_name: 'Default',
              project_domain_name: 'Default',
            },
            region_name: cloud.region,
          },
          badpw: {
            auth: {
              auth_url: cloud.authUrl,
              username: 'vmha',
              password: 'not-the-password',
              project_name: 'service',
              user_domain_name: 'Default',
              project_domain_name: 'Default',
            },
          },
          appcred: {
            auth_type: 'v3applicationcredential',
            auth: { auth_url: cloud.authUrl, application_credential_id: id, application_credential_secret: 'cli-ac-secret' },
          },
          noauthurl: { auth: { username: 'vmha', password: 'x', project_name: 'service', user_domain_name: 'Default', project_domain_name: 'Default' } },
        },
      }),
    );
  });
  after(async () => {
    await cloud.close();
    t.cleanup();
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ OS_CLIENT_CONFIG_FILE: clouds, ...extra });

  it('validates, authenticates with a clouds.yaml password entry and prints the config with secrets masked', async () => {
    const cfg = t.write('ok.yaml', CONFIG('test'));
    const r = await runVmha(['--config', cfg, 'config', 'check', '--json'], { env: env() });
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.config.webhook.secret).to.equal('***');
    expect(out.openstack.password).to.equal('***');
    expect(out.check.authenticated).to.equal(true);
    expect(out.check.endpoints.compute).to.equal(`${cloud.url}/compute/v2.1`);
    expect(out.check.nova_microversion.using).to.equal('2.94');
    expect(r.stdout).not.to.contain('very-secret-webhook-key');
    expect(r.stdout).not.to.contain('vmha-secret');
  });

  it('works the same from OS_* variables with application credentials (and $VMHA_CONFIG)', async () => {
    const cfg = t.write('env.yaml', CONFIG());
    const { id } = cloud.keystone.addApplicationCredential({ userName: 'vmha', name: 'env-ac', secret: 'env-ac-secret', projectName: 'service', roles: ['admin'] });
    const r = await runVmha(['config', 'check', '--json'], {
      env: { VMHA_CONFIG: cfg, OS_AUTH_URL: cloud.authUrl, OS_APPLICATION_CREDENTIAL_ID: id, OS_APPLICATION_CREDENTIAL_SECRET: 'env-ac-secret' },
    });
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.openstack).to.deep.include({ source: 'OS_* environment variables', auth_type: 'v3applicationcredential', secret: '***' });
  });

  it('works from a clouds.yaml application-credential entry chosen by OS_CLOUD', async () => {
    const cfg = t.write('appcred.yaml', CONFIG());
    const r = await runVmha(['--config', cfg, 'config', 'check', '--json'], { env: env({ OS_CLOUD: 'appcred' }) });
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
  });

  const failures: [string, () => { args: string[]; env: Record<string, string> }, RegExp, number][] = [
    [
      'a wrong password',
      () => ({ args: ['--config', t.write('bp.yaml', CONFIG('badpw')), 'config', 'check'], env: env() }),
      /authentication refused: check the credentials from clouds\.yaml .*cloud 'badpw'/,
      3,
    ],
    [
      'an unknown cloud name',
      () => ({ args: ['--config', t.write('uc.yaml', CONFIG('nosuch')), 'config', 'check'], env: env() }),
      /clouds\.nosuch: unknown cloud 'nosuch' \(known: test, badpw, appcred, noauthurl\)/,
      2,
    ],
    [
      'a missing auth_url',
      () => ({ args: ['--config', t.write('na.yaml', CONFIG('noauthurl')), 'config', 'check'], env: env() }),
      /clouds\.noauthurl\.auth\.auth_url: required setting is missing/,
      2,
    ],
    [
      'malformed YAML in vmha.yaml',
      () => ({ args: ['--config', t.write('mf.yaml', 'webhook: [\n  secret: "abc\n'), 'config', 'check'], env: env() }),
      /mf\.yaml: malformed YAML/,
      2,
    ],
    [
      'malformed clouds.yaml',
      () => ({
        args: ['--config', t.write('ok2.yaml', CONFIG('test')), 'config', 'check'],
        env: { OS_CLIENT_CONFIG_FILE: t.write('broken/clouds.yaml', 'clouds:\n  test: {auth: [\n') },
      }),
      /clouds\.yaml: malformed YAML/,
      2,
    ],
  ];
  for (const [what, setup, pattern, code] of failures) {
    it(`${what}: one clear error line and exit ${code}`, async () => {
      const { args, env: e } = setup();
      const r = await runVmha(args, { env: e });
      expect(r.code).to.equal(code);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^vmha: /);
      expect(lines[0]).to.match(pattern);
      expect(r.stderr).not.to.contain('not-the-password');
    });
  }

  it('--offline checks the file and credentials without contacting OpenStack', async () => {
    const cfg = t.write('off.yaml', CONFIG('test'));
    const r = await runVmha(['--config', cfg, 'config', 'check', '--offline'], { env: { OS_CLIENT_CONFIG_FILE: clouds } });
    expect(r.code).to.equal(0);
    const out = YAML.parse(r.stdout);
    expect(out).not.to.have.property('check');
    expect(out.config.webhook.secret).to.equal('***');
  });

  it('an unknown flag is a usage error (exit 2)', async () => {
    const r = await runVmha(['config', 'check', '--frobnicate']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/unknown option '--frobnicate'/);
  });
});
