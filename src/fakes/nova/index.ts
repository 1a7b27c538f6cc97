// A contract-faithful fake of Nova's compute API (see shared/openstack/CONTRACTS.md,
// "Nova"), mounted at /compute: the version documents, then /v2.1/... behind
// keystonemiddleware-style token checks and nova's microversion rules.
import express from 'express';
import type { Clock } from '../../domain/clock.ts';
import { requestId, type TokenStore } from '../common.ts';
import type { Route } from './context.ts';
import { parseVersion, type Microversion } from './microversion.ts';
import { NovaModel } from './model.ts';
import { handleApiRequest, sendFault } from './pipeline.ts';
import { actionRoutes } from './routes/actions.ts';
import { instanceActionRoutes } from './routes/instance-actions.ts';
import { migrationRoutes } from './routes/migrations.ts';
import { serverRoutes } from './routes/servers.ts';
import { serviceRoutes } from './routes/services.ts';
import { versionDocument, versionsList } from './routes/versions.ts';
import { DEFAULT_TIMINGS, type NovaTimings } from './types.ts';

export { NovaModel } from './model.ts';
export type {
  AddServerOptions,
  FailAction,
  FailKind,
  NovaActionRecord,
  NovaHost,
  NovaImage,
  NovaMigration,
  NovaServer,
  NovaService,
  NovaTimings,
} from './types.ts';
export { statusFromState } from './states.ts';
export { DEFAULT_TIMINGS } from './types.ts';

export interface FakeNovaOptions {
  clock: Clock;
  tokens: TokenStore;
  identityUrl: () => string;
  /** Highest microversion served, e.g. '2.104' (upstream) or '2.93' (Zed). */
  maxVersion: string;
  timings: Partial<NovaTimings>;
}

const ROUTES: Route[] = [...serverRoutes, ...actionRoutes, ...instanceActionRoutes, ...migrationRoutes, ...serviceRoutes];

export class FakeNova {
  readonly model: NovaModel;
  private readonly maxVersion: Microversion;

  constructor(private readonly opts: FakeNovaOptions) {
    const max = parseVersion(opts.maxVersion);
    if (!max || max.major !== 2 || max.minor < 1) throw new Error(`invalid nova maxVersion ${opts.maxVersion}`);
    this.maxVersion = max;
    this.model = new NovaModel(opts.clock, { ...DEFAULT_TIMINGS, ...opts.timings });
  }

  /** The Express router to mount at /compute. */
  router(): express.Router {
    const r = express.Router();
    r.use(requestId({ compute: true }));
    r.use((req, res, next) => {
      const path = req.path;
      if (req.method === 'GET' && path === '/') {
        res.json(versionsList(req, this.maxVersion));
      } else if (req.method === 'GET' && (path === '/v2.1' || path === '/v2.1/')) {
        res.json(versionDocument(req, this.maxVersion));
      } else if (path.startsWith('/v2.1/')) {
        void handleApiRequest(
          { model: this.model, tokens: this.opts.tokens, identityUrl: this.opts.identityUrl, maxVersion: this.maxVersion, routes: ROUTES },
          req,
          res,
        ).catch(next);
      } else {
        sendFault(res, 404, 'The resource could not be found.');
      }
    });
    return r;
  }

  /** Cancels the model's background work and timers. */
  stop(): void {
    this.model.stop();
  }
}
