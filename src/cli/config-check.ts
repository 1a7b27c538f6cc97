// `vmha config check`: validate vmha.yaml and the OpenStack credentials, print the
// effective configuration with secrets masked, and (unless --offline) prove the
// credentials work: a token, the catalog entries vmha needs, Nova's microversion.
import YAML from 'yaml';
import type { Credentials } from '../config/clouds.ts';
import { maskSecrets } from '../config/load.ts';
import { pickEndpoint } from '../openstack/session.ts';
import { guard, type CliContext } from './context.ts';
import { EXIT } from './io.ts';

const SERVICES = ['compute', 'alarming', 'metric'] as const;

export async function configCheck(ctx: CliContext, opts: { offline?: boolean }): Promise<number> {
  return guard(ctx.io, async () => {
    const config = ctx.config();
    const creds = ctx.credentials();
    const report: Record<string, unknown> = {
      file: ctx.configPath(),
      config: maskSecrets(config),
      openstack: describeCredentials(creds),
    };
    if (!opts.offline) {
      const clients = ctx.clients();
      const token = await clients.session.getToken();
      const endpoints: Record<string, string> = {};
      for (const type of SERVICES) endpoints[type] = pickEndpoint(token.catalog, type, creds.interface, creds.region);
      const nova = await clients.nova.version();
      report.check = {
        authenticated: true,
        project_id: token.projectId,
        roles: token.roles,
        endpoints,
        nova_microversion: nova,
      };
      if (config.webhook.secret === 'change-me') report.warnings = ['webhook.secret is still the example value'];
    }
    ctx.io.stdout(ctx.globals.json ? JSON.stringify(report, null, 2) + '\n' : YAML.stringify(report));
    return EXIT.OK;
  });
}

/** Credentials as they may be shown: what and where from, never a password or secret. */
function describeCredentials(creds: Credentials): Record<string, unknown> {
  const a = creds.auth;
  const who =
    a.type === 'password'
      ? { user: a.userId ?? a.username, project: a.projectId ?? a.projectName, password: '***' }
      : { application_credential: a.applicationCredentialId ?? a.applicationCredentialName, secret: '***' };
  return {
    source: creds.source,
    auth_url: creds.authUrl,
    auth_type: a.type,
    ...who,
    region: creds.region ?? null,
    interface: creds.interface,
    verify_tls: creds.verify,
  };
}
