// `vmha serve` as a real child process (for crash tests): started from the real
// executable with a config file, killed with any signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { VMHA_BIN } from './cli.ts';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export function startServeProcess(configFile: string, env: Record<string, string>): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VMHA_BIN, '--config', configFile, 'serve'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`vmha serve did not start:\n${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /vmha serve: listening on (\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          child,
          stderr: () => err,
          kill: (signal) =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill(signal);
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vmha serve exited with ${code}:\n${err}`));
    });
  });
}
