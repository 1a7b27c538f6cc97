// `vmha alarms list`: the alarms vmha owns in Aodh and the state of each.
import { listOwnedAlarms } from '../../alarms/inventory.ts';
import { parseAlarmName } from '../../alarms/render.ts';
import { guard, type CliContext } from '../context.ts';
import { EXIT } from '../io.ts';
import { plural, table } from './output.ts';

export interface ListFlags {
  instance?: string[];
  template?: string[];
  state?: string;
}

export async function listAlarms(ctx: CliContext, flags: ListFlags): Promise<number> {
  return guard(ctx.io, async () => {
    const { aodh } = ctx.clients();
    const instances = flags.instance?.length ? new Set(flags.instance) : undefined;
    const templates = flags.template?.length ? new Set(flags.template) : undefined;
    const rows = (await listOwnedAlarms(aodh))
      .map((a) => ({ alarm: a, owner: parseAlarmName(a.name)! }))
      .filter(({ alarm, owner }) => (!instances || instances.has(owner.instanceId)) && (!templates || templates.has(owner.template)) && (!flags.state || alarm.state === flags.state))
      .sort((a, b) => a.owner.instanceId.localeCompare(b.owner.instanceId) || a.owner.template.localeCompare(b.owner.template));

    if (ctx.globals.json) {
      const out = rows.map(({ alarm, owner }) => ({
        alarm_id: alarm.alarm_id,
        name: alarm.name,
        template: owner.template,
        instance_id: owner.instanceId,
        state: alarm.state,
        state_reason: alarm.state_reason ?? null,
        state_timestamp: alarm.state_timestamp ?? null,
        severity: alarm.severity,
        enabled: alarm.enabled,
      }));
      ctx.io.stdout(JSON.stringify(out, null, 2) + '\n');
      return EXIT.OK;
    }
    if (rows.length === 0) {
      ctx.io.stdout("No vmha alarms found. Install them with 'vmha alarms install --all'.\n");
      return EXIT.OK;
    }
    ctx.io.stdout(
      table(
        ['INSTANCE', 'TEMPLATE', 'STATE', 'SEVERITY', 'ENABLED', 'SINCE', 'ALARM ID'],
        rows.map(({ alarm, owner }) => [
          owner.instanceId,
          owner.template,
          alarm.state,
          alarm.severity,
          alarm.enabled ? 'yes' : 'no',
          alarm.state_timestamp ?? '',
          alarm.alarm_id,
        ]),
      ),
    );
    const byState = new Map<string, number>();
    for (const { alarm } of rows) byState.set(alarm.state, (byState.get(alarm.state) ?? 0) + 1);
    ctx.io.stdout(`${plural(rows.length, 'alarm')}: ${[...byState].map(([s, n]) => `${n} ${s}`).join(', ')}\n`);
    return EXIT.OK;
  });
}
