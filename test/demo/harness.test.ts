// The demo harness when a setup step fails: everything it started is stopped, and its
// files are kept for the reader of the error.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { DemoStartError, startDemo } from '../../src/demo/harness.ts';

describe('demo/harness', function () {
  this.timeout(30_000);

  it('stops everything and keeps the log and configuration when a setup command fails', async () => {
    const calls: string[][] = [];
    let err: unknown;
    try {
      await startDemo({
        runCli: async (argv, io) => {
          calls.push(argv);
          io.stderr('vmha: Gnocchi refused the archive policy\n');
          return 3;
        },
      });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(DemoStartError);
    const e = err as DemoStartError;
    try {
      expect(e.message).to.equal('vmha archive-policy ensure exited 3: vmha: Gnocchi refused the archive policy');
      expect(calls).to.deep.equal([['--config', path.join(e.dir, 'vmha.yaml'), 'archive-policy', 'ensure']]);
      expect(fs.existsSync(path.join(e.dir, 'vmha.yaml'))).to.equal(true);
      expect(fs.existsSync(path.join(e.dir, 'vmha-demo.log'))).to.equal(true);
      // The vmha.yaml names the running service's URL (it was written once serve listened).
      expect(fs.readFileSync(path.join(e.dir, 'vmha.yaml'), 'utf8')).to.match(/public_url: http:\/\/127\.0\.0\.1:\d+\n/);
    } finally {
      fs.rmSync(e.dir, { recursive: true, force: true });
    }
  });
});
