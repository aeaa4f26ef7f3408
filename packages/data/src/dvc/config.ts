/**
 * `.dvc/config` in the INI dialect DVC writes (configobj): `[core]` with `remote = name`, and
 * one `['remote "name"']` section per remote with its `url`. We read and write only what we
 * use and keep unknown sections and keys, so a config shared with DVC itself survives a round trip.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { writeFileAtomic } from '../fs/atomic.js';

export type IniSections = Map<string, Map<string, string>>;

export function parseIni(text: string, file: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) return;
    const sec = /^\[\s*(.+?)\s*\]$/.exec(t);
    if (sec) {
      let name = sec[1]!;
      if (/^'.*'$/.test(name) || /^".*"$/.test(name)) name = name.slice(1, -1);
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      return;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(t);
    if (kv === null || current === undefined) {
      throw new AquaopsError('AQUAOPS_E_DVC_FILE_INVALID', `${file}:${i + 1}: cannot parse "${t}"`, {
        hint: 'each line must be a [section] header or "key = value" inside a section.',
        details: [{ path: `${file}:${i + 1}`, expected: '[section] or key = value', found: t }],
      });
    }
    current.set(kv[1]!, kv[2]!);
  });
  return sections;
}

export function formatIni(sections: IniSections): string {
  let out = '';
  for (const [name, keys] of sections) {
    out += name.includes('"') ? `['${name}']\n` : `[${name}]\n`;
    for (const [k, v] of keys) out += `    ${k} = ${v}\n`;
  }
  return out;
}

export interface RemoteConfig {
  readonly name: string;
  /** Absolute location (relative urls in the file are relative to `.dvc/`, as in DVC). */
  readonly url: string;
}

export class DvcConfig {
  constructor(
    readonly file: string,
    readonly sections: IniSections,
  ) {}

  static async load(dvcDir: string): Promise<DvcConfig> {
    const file = path.join(dvcDir, 'config');
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch {
      /* no config yet: defaults */
    }
    return new DvcConfig(file, parseIni(text, file));
  }

  get defaultRemote(): string | undefined {
    return this.sections.get('core')?.get('remote');
  }

  remote(name?: string): RemoteConfig {
    const wanted = name ?? this.defaultRemote;
    if (wanted === undefined) {
      throw new AquaopsError('AQUAOPS_E_DVC_REMOTE', 'no remote given and no default remote configured', {
        hint: 'run `aquaops data remote add -d NAME URL` or pass --remote NAME.',
      });
    }
    const url = this.sections.get(`remote "${wanted}"`)?.get('url');
    if (url === undefined) {
      throw new AquaopsError('AQUAOPS_E_DVC_REMOTE', `remote "${wanted}" is not defined in ${this.file}`, {
        hint: `add it with \`aquaops data remote add ${wanted} URL\`.`,
      });
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file://')) {
      throw new AquaopsError(
        'AQUAOPS_E_DVC_REMOTE',
        `remote "${wanted}" has url ${url}; only directory remotes work yet`,
        {
          hint: 'use a local or mounted directory path as the remote url.',
        },
      );
    }
    const local = url.startsWith('file://') ? new URL(url).pathname : url;
    return { name: wanted, url: path.resolve(path.dirname(this.file), local) };
  }

  setRemote(name: string, url: string, makeDefault: boolean): void {
    const key = `remote "${name}"`;
    const sec = this.sections.get(key) ?? new Map<string, string>();
    sec.set('url', url);
    this.sections.set(key, sec);
    if (makeDefault) {
      const core = this.sections.get('core') ?? new Map<string, string>();
      core.set('remote', name);
      // core first, as DVC writes it
      const rest = [...this.sections].filter(([k]) => k !== 'core');
      this.sections.clear();
      this.sections.set('core', core);
      for (const [k, v] of rest) this.sections.set(k, v);
    }
  }

  async save(): Promise<void> {
    await writeFileAtomic(this.file, formatIni(this.sections));
  }
}
