// Temporary directories that tests write configuration files into.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Creates a fresh temporary directory; remove it with cleanup(). */
export function tmpDir(prefix = 'vmha-test-'): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write(name, text) {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      return file;
    },
    cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
