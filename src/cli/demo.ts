// `vmha demo`: plays failure scenarios on a simulated cloud (loopback only) against the
// real vmha serve, narrating every step, and ends with a table. Exit 0 only when every
// scenario ended as expected.
import type { DemoEvent } from '../demo/events.ts';
import { EventLog } from '../demo/events.ts';
import { DemoStartError, startDemo, type DemoHarness, type RunCli } from '../demo/harness.ts';
import { eventLine } from '../demo/narrate.ts';
import { resultsJson, resultsTable } from '../demo/report.ts';
import { runScenario, type ScenarioResult } from '../demo/run.ts';
import { SCENARIOS, type Scenario } from '../demo/scenarios.ts';
import { DEMO_SETTINGS, shortenedNotice } from '../demo/settings.ts';
import { guard, type CliContext } from './context.ts';
import { EXIT } from './io.ts';

export interface DemoFlags {
  scenario?: string[];
}

/** The scenario names, for --help. */
export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name);

export async function demo(ctx: CliContext, flags: DemoFlags, runCli: RunCli): Promise<number> {
  const io = ctx.io;
  const json = Boolean(ctx.globals.json);
  return guard(io, async () => {
    const wanted = flags.scenario?.length ? flags.scenario : SCENARIO_NAMES;
    const unknown = wanted.filter((n) => !SCENARIO_NAMES.includes(n));
    if (unknown.length) {
      io.stderr(`vmha: demo: unknown scenario ${unknown.join(', ')} (known: ${SCENARIO_NAMES.join(', ')})\n`);
      return EXIT.USAGE;
    }
    const scenarios = SCENARIOS.filter((s) => wanted.includes(s.name));
    const out = (text: string): void => {
      if (!json) io.stdout(text);
    };
    const started = Date.now();
    out(`vmha demo: ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} on a simulated cloud (127.0.0.1 only, nothing outside this machine is touched).\n`);
    out(`${shortenedNotice(DEMO_SETTINGS)}\n\n`);

    // Narration: the demo's own lines while starting; during a scenario, what concerns its
    // guests, timed from the fault. Events come from several pollers, so lines wait a
    // moment and go out in time order.
    let current: { ids: Set<string>; t0: number } | undefined;
    const narrator = new Narrator(out);
    const events = new EventLog();
    events.listen((e: DemoEvent) => {
      if (!current) {
        if (e.source === 'demo') narrator.push(e, `${e.text}\n`);
        return;
      }
      if (e.source === 'fault' && current.t0 === 0) current.t0 = e.at;
      if (e.serverId !== undefined && !current.ids.has(e.serverId)) return;
      const t0 = current.t0 || e.at;
      narrator.push(e, eventLine(e, t0) + '\n');
    });

    let h: DemoHarness | undefined;
    const results: ScenarioResult[] = [];
    // Ctrl-C or a kill: stop the simulated cloud and vmha serve, remove the temporary files, leave.
    const onSignal = (signal: NodeJS.Signals): void => {
      io.stderr(`\nvmha: demo: ${signal === 'SIGINT' ? 'interrupted' : 'terminated'}; stopping the simulated cloud\n`);
      void (h?.close() ?? Promise.resolve()).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      try {
        h = await startDemo({ runCli, events, settings: DEMO_SETTINGS });
      } catch (err) {
        if (!(err instanceof DemoStartError)) throw err;
        narrator.flush();
        io.stderr(`vmha: demo: could not start: ${err.message}\nvmha: demo: the log and configuration are kept in ${err.dir}\n`);
        return EXIT.FAILED;
      }
      for (const [i, s] of scenarios.entries()) {
        narrator.flush();
        out(`\n== ${i + 1}/${scenarios.length} ${s.name}: ${s.title} ==\n`);
        out(`   expected: ${s.expected}\n`);
        current = { ids: new Set(s.targets.map((n) => h!.sim.guest(n).id)), t0: 0 };
        const r = await runScenario(h, s);
        current = undefined;
        narrator.flush();
        results.push(r);
        out(checksText(s, r));
      }
    } finally {
      narrator.stop();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      const failed = results.some((r) => !r.ok) || results.length < scenarios.length;
      if (h) {
        await h.close({ keepDir: failed });
        if (failed && !json) out(`\nThe journal, vmha.yaml and the full log are kept in ${h.dir} (log: ${h.logFile}).\n`);
      }
    }

    const ok = results.length === scenarios.length && results.every((r) => r.ok);
    if (json) {
      io.stdout(JSON.stringify(resultsJson(results, DEMO_SETTINGS, Date.now() - started), null, 2) + '\n');
    } else {
      out(`\n${resultsTable(results)}`);
      out(
        ok
          ? `\nEvery scenario ended as expected (${((Date.now() - started) / 1000).toFixed(1)} s).\n`
          : `\n${results.filter((r) => !r.ok).length + scenarios.length - results.length} of ${scenarios.length} scenarios did not end as expected.\n`,
      );
    }
    return ok ? EXIT.OK : EXIT.FAILED;
  });
}

function checksText(s: Scenario, r: ScenarioResult): string {
  const lines = r.checks.map((c) => `   ${c.ok ? 'ok  ' : 'FAIL'}  ${c.what}: ${c.detail}`);
  const verdict = r.ok ? `${s.name}: as expected` : `${s.name}: NOT as expected`;
  return `${lines.join('\n')}\n   => ${verdict}\n`;
}

/** Prints lines a little late, in the time order of their events. */
class Narrator {
  private pending: { at: number; line: string }[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly write: (text: string) => void,
    private readonly delayMs = 250,
  ) {
    this.timer = setInterval(() => this.flush(Date.now() - this.delayMs), 100);
    this.timer.unref();
  }

  push(e: DemoEvent, line: string): void {
    this.pending.push({ at: e.at, line });
  }

  /** Prints every line of events up to `upTo` (default: all). */
  flush(upTo = Infinity): void {
    const due = this.pending.filter((p) => p.at <= upTo).sort((a, b) => a.at - b.at);
    this.pending = this.pending.filter((p) => p.at > upTo);
    for (const p of due) this.write(p.line);
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
