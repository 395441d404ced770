import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where EDI files come and go. The folder transport is the reference (an SFTP client would implement the same four
 * calls): outbound files are written under a temporary name and renamed, so a partner polling the folder never reads
 * half a file; inbound files are moved to `processed/` or `rejected/` once handled.
 */
export interface EdiTransport {
  write(name: string, content: string): Promise<void>;
  listInbound(): Promise<string[]>;
  readInbound(name: string): Promise<string>;
  archive(name: string, outcome: 'processed' | 'rejected', note?: string): Promise<void>;
}

const SAFE = /^[A-Za-z0-9._-]{1,200}$/;

export function folderTransport(dirs: { outbound_dir: string; inbound_dir: string }): EdiTransport {
  return {
    async write(name, content) {
      if (!SAFE.test(name)) throw new Error(`unsafe EDI file name ${name}`);
      await mkdir(dirs.outbound_dir, { recursive: true });
      const tmp = path.join(dirs.outbound_dir, `.${name}.tmp`);
      await writeFile(tmp, content, { encoding: 'latin1' });
      await rename(tmp, path.join(dirs.outbound_dir, name));
    },
    async listInbound() {
      await mkdir(dirs.inbound_dir, { recursive: true });
      const names = await readdir(dirs.inbound_dir, { withFileTypes: true });
      return names.filter((d) => d.isFile() && SAFE.test(d.name) && !d.name.startsWith('.')).map((d) => d.name).sort();
    },
    async readInbound(name) {
      return readFile(path.join(dirs.inbound_dir, name), { encoding: 'latin1' });
    },
    async archive(name, outcome, note) {
      const dir = path.join(dirs.inbound_dir, outcome);
      await mkdir(dir, { recursive: true });
      await rename(path.join(dirs.inbound_dir, name), path.join(dir, name));
      if (note) await writeFile(path.join(dir, `${name}.error.txt`), `${note}\n`);
    },
  };
}
