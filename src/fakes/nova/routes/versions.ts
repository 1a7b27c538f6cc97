// The version documents (nova/api/openstack/compute/versions.py): served
// without a token, like upstream's unauthenticated version pipeline.
import type { Request } from 'express';
import { formatVersion, type Microversion } from '../microversion.ts';

const DESCRIBED_BY = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

function base(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}${req.baseUrl}`;
}

function v21(req: Request, max: Microversion): Record<string, unknown> {
  return {
    id: 'v2.1',
    status: 'CURRENT',
    version: formatVersion(max),
    min_version: '2.1',
    updated: '2013-07-23T11:33:21Z',
    links: [{ rel: 'self', href: `${base(req)}/v2.1/` }],
  };
}

/** GET / */
export function versionsList(req: Request, max: Microversion): unknown {
  return {
    versions: [
      {
        id: 'v2.0',
        status: 'SUPPORTED',
        version: '',
        min_version: '',
        updated: '2011-01-21T11:33:21Z',
        links: [{ rel: 'self', href: `${base(req)}/v2/` }],
      },
      v21(req, max),
    ],
  };
}

/** GET /v2.1 and /v2.1/ */
export function versionDocument(req: Request, max: Microversion): unknown {
  const doc = v21(req, max);
  return {
    version: {
      ...doc,
      links: [...(doc.links as unknown[]), DESCRIBED_BY],
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
    },
  };
}
