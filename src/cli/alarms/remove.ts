// `vmha alarms remove`: delete vmha's alarms of given instances, of every instance
// (--all), or of instances that no longer exist (--orphans).
import { applyActions, mapLimit, type AlarmAction } from '../../alarms/apply.ts';
import { listOwnedAlarms } from '../../alarms/inventory.ts';
import { parseAlarmName } from '../../alarms/render.ts';
import type { Alarm } from '../../openstack/aodh.ts';
import { NotFound } from '../../openstack/errors.ts';
import type { NovaClient } from '../../openstack/nova.ts';
import { guard, type CliContext } from '../context.ts';
import { EXIT } from '../io.ts';
import { resultJson, resultLine } from './install.ts';
import { plural, Progress } from './output.ts';

export interface RemoveFlags {
  instance?: string[];
  orphans?: boolean;
  all?: boolean;
  template?: string[];
  dryRun?: boolean;
}

export async function removeAlarms(ctx: CliContext, flags: RemoveFlags): Promise<number> {
  const io = ctx.io;
  return guard(io, async () => {
    const given = [flags.all, flags.instance?.length, flags.orphans].filter(Boolean).length;
    if (given !== 1) {
      io.stderr(`vmha: alarms remove: choose one of --instance ID ..., --orphans, --all\n`);
      return EXIT.USAGE;
    }
    const config = ctx.config();
    const { aodh, nova } = ctx.clients();
    const templates = flags.template?.length ? new Set(flags.template) : undefined;
    const owned = (await listOwnedAlarms(aodh)).filter((a) => !templates || templates.has(parseAlarmName(a.name)!.template));

    let targets: Alarm[];
    if (flags.all) targets = owned;
    else if (flags.instance?.length) {
      const ids = new Set(flags.instance);
      targets = owned.filter((a) => ids.has(parseAlarmName(a.name)!.instanceId));
    } else targets = await orphansOf(owned, nova, config.alarms.concurrency);
    targets.sort((a, b) => a.name.localeCompare(b.name));

    const actions: AlarmAction[] = targets.map((a) => {
      const owner = parseAlarmName(a.name)!;
      return { kind: 'delete', name: a.name, template: owner.template, instanceId: owner.instanceId, alarmId: a.alarm_id };
    });
    const json = Boolean(ctx.globals.json);
    if (flags.dryRun) {
      if (json) io.stdout(JSON.stringify({ dry_run: true, remove: actions.map((a) => ({ name: a.name, alarm_id: a.alarmId })) }, null, 2) + '\n');
      else io.stdout(actions.map((a) => `- remove   ${a.name}  (alarm ${a.alarmId})\n`).join('') + `Plan: ${actions.length} to remove.\n`);
      return EXIT.OK;
    }
    const progress = new Progress(io, actions.length, !json);
    const results = await applyActions(actions, aodh, {
      concurrency: config.alarms.concurrency,
      onResult: (r) => progress.item(r.ok ? 'removed' : 'failed', resultLine(r)),
    });
    progress.finish();
    const failed = results.filter((r) => !r.ok);
    if (json) {
      io.stdout(JSON.stringify({ dry_run: false, summary: { removed: results.length - failed.length, failed: failed.length }, results: results.map(resultJson) }, null, 2) + '\n');
    } else {
      if (io.isTTY) for (const r of failed) io.stdout(resultLine(r) + '\n');
      io.stdout(actions.length ? `${results.length - failed.length} removed, ${failed.length} failed\n` : 'Nothing to remove.\n');
    }
    if (failed.length) {
      io.stderr(`vmha: ${plural(failed.length, 'alarm')} could not be removed (see above); re-run to retry\n`);
      return EXIT.FAILED;
    }
    return EXIT.OK;
  });
}

/**
 * Alarms whose instance no longer exists. The list of servers (all projects) gives the
 * candidates; each candidate is confirmed by a 404 on GET /servers/{id}, so that a
 * partial list (a wrong region, a missing all_tenants right) never deletes live alarms.
 */
async function orphansOf(owned: readonly Alarm[], nova: NovaClient, concurrency: number): Promise<Alarm[]> {
  const live = new Set((await nova.listServers({ allTenants: true })).map((s) => s.id));
  const candidates = [...new Set(owned.map((a) => parseAlarmName(a.name)!.instanceId).filter((id) => !live.has(id)))];
  const gone = new Set<string>();
  await mapLimit(candidates, concurrency, async (id) => {
    try {
      await nova.getServer(id);
    } catch (err) {
      if (err instanceof NotFound) gone.add(id);
      else throw err;
    }
  });
  return owned.filter((a) => gone.has(parseAlarmName(a.name)!.instanceId));
}
