/**
 * A DVC-3-compatible repository: `.dvc/` with its config, cache and hash database beside the
 * data. `add` hashes and caches a file or directory and writes `PATH.dvc`; `status`, `checkout`,
 * `push`, `pull` and `gc` work over every tracked output — those of `*.dvc` files and the cached
 * outputs recorded in the root `dvc.lock`. Cache objects always land before the `.dvc` file that
 * names them, so a failed add leaves the previous version fully usable.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { writeFileAtomic } from '../fs/atomic.js';
import { loadPipeline } from '../pipeline/dvcyaml.js';
import { readLock } from '../pipeline/lock.js';
import { ObjectCache } from './cache.js';
import { DvcConfig } from './config.js';
import { readDvcFile, writeDvcFile } from './dvcfile.js';
import type { DvcFile, OutHash } from './dvcfile.js';
import { dirManifest, listFiles, md5Bytes } from './hash.js';
import type { DirEntry, FileHasher } from './hash.js';
import { HashCache } from './hash-cache.js';
import { LocalRemote } from './remote.js';
import type { Remote } from './remote.js';

export interface RepoOptions {
  /** Directory relative paths are resolved against (default: process.cwd()). */
  readonly cwd?: string;
  /** Injected file hasher (default streaming md5). */
  readonly hasher?: FileHasher;
}

export interface ProgressEvent {
  readonly action: 'hash' | 'cache' | 'checkout' | 'push' | 'pull' | 'remove';
  readonly path: string;
}
export type OnProgress = (e: ProgressEvent) => void;

export interface TrackedOut {
  /** The `.dvc` file or `dvc.lock:stage` that records it. */
  readonly source: string;
  readonly abs: string;
  /** Relative to the repository root, POSIX. */
  readonly rel: string;
  readonly hash?: OutHash;
  readonly cache: boolean;
}

export type OutState = 'ok' | 'modified' | 'deleted' | 'not in cache' | 'not committed';
export interface StatusEntry {
  readonly source: string;
  readonly path: string;
  readonly states: readonly OutState[];
}

export interface TransferResult {
  readonly transferred: number;
  readonly present: number;
  readonly missing: readonly string[];
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

const SKIP_DIRS = new Set(['.git', '.dvc', 'node_modules']);

export class DvcRepo {
  readonly dvcDir: string;
  readonly cache: ObjectCache;
  readonly hashes: HashCache;
  readonly cwd: string;

  private constructor(
    readonly root: string,
    options: RepoOptions,
  ) {
    this.dvcDir = path.join(root, '.dvc');
    this.cache = new ObjectCache(path.join(this.dvcDir, 'cache'));
    this.hashes = new HashCache(path.join(this.dvcDir, 'tmp', 'aquaops-hashes.json'), options.hasher);
    this.cwd = path.resolve(options.cwd ?? process.cwd());
  }

  /** Creates `.dvc/` (config, .gitignore) in `root` if absent, as `dvc init` would. */
  static async init(root: string, options: RepoOptions = {}): Promise<DvcRepo> {
    const dvcDir = path.join(root, '.dvc');
    await mkdir(dvcDir, { recursive: true });
    if (!existsSync(path.join(dvcDir, 'config'))) await writeFileAtomic(path.join(dvcDir, 'config'), '');
    if (!existsSync(path.join(dvcDir, '.gitignore'))) {
      await writeFileAtomic(path.join(dvcDir, '.gitignore'), '/config.local\n/tmp\n/cache\n');
    }
    return new DvcRepo(path.resolve(root), options);
  }

  /** The repository containing `cwd` (the nearest parent with a `.dvc/` directory). */
  static async open(options: RepoOptions = {}): Promise<DvcRepo> {
    const start = path.resolve(options.cwd ?? process.cwd());
    for (let dir = start; ; dir = path.dirname(dir)) {
      try {
        if ((await stat(path.join(dir, '.dvc'))).isDirectory()) return new DvcRepo(dir, options);
      } catch {
        /* keep looking upwards */
      }
      if (path.dirname(dir) === dir) break;
    }
    throw new AquaopsError('AQUAOPS_E_DVC_NO_REPO', `no .dvc directory in ${start} or any parent`, {
      hint: 'run `aquaops data init` in the repository root first.',
    });
  }

  resolve(p: string): string {
    const abs = path.resolve(this.cwd, p);
    const rel = path.relative(this.root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new AquaopsError('AQUAOPS_E_USAGE', `${p} is outside the repository ${this.root}`, {
        hint: 'track only paths inside the repository.',
      });
    }
    return abs;
  }

  relOf(abs: string): string {
    return toPosix(path.relative(this.root, abs)) || '.';
  }

  /** Hash of a file or directory in the workspace; `undefined` if it does not exist. */
  async hashPath(abs: string, onProgress?: OnProgress): Promise<OutHash | undefined> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(abs);
    } catch {
      return undefined;
    }
    if (!st.isDirectory()) {
      onProgress?.({ action: 'hash', path: this.relOf(abs) });
      return this.hashes.hash(abs);
    }
    const { hash } = await this.hashDir(abs, onProgress);
    return hash;
  }

  private async hashDir(abs: string, onProgress?: OnProgress): Promise<{ hash: OutHash; entries: DirEntry[] }> {
    const files = await listFiles(abs);
    const entries: DirEntry[] = [];
    let size = 0;
    for (const rel of files) {
      onProgress?.({ action: 'hash', path: `${this.relOf(abs)}/${rel}` });
      const h = await this.hashes.hash(path.join(abs, ...rel.split('/')));
      entries.push({ md5: h.md5, relpath: rel });
      size += h.size;
    }
    const md5 = `${md5Bytes(dirManifest(entries))}.dir`;
    return { hash: { md5, size, nfiles: entries.length }, entries };
  }

  /** Hashes `abs` and stores it (and for a directory every file plus the manifest) in the cache. */
  async commit(abs: string, onProgress?: OnProgress): Promise<OutHash> {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(abs);
    } catch {
      throw new AquaopsError('AQUAOPS_E_DVC_PATH_MISSING', `${this.relOf(abs)} does not exist`, {
        hint: 'check the path (it is resolved against the current directory).',
      });
    }
    if (!st.isDirectory()) {
      onProgress?.({ action: 'cache', path: this.relOf(abs) });
      const { stamp, known } = await this.hashes.lookup(abs);
      if (known !== undefined) {
        await this.cache.insertFile(abs, known.md5);
        return known;
      }
      const h = await this.cache.insertHashing(abs);
      const after = await this.hashes.lookup(abs);
      if (after.stamp.mtimeNs !== stamp.mtimeNs || after.stamp.size !== stamp.size || h.size !== stamp.size) {
        throw new AquaopsError('AQUAOPS_E_DVC_CACHE_CORRUPT', `${this.relOf(abs)} changed while it was being added`, {
          hint: 'wait until whatever writes the file has finished, then add it again.',
        });
      }
      this.hashes.record(abs, stamp, h.md5);
      return h;
    }
    const { hash, entries } = await this.hashDir(abs, onProgress);
    for (const e of entries) {
      onProgress?.({ action: 'cache', path: `${this.relOf(abs)}/${e.relpath}` });
      await this.cache.insertFile(path.join(abs, ...e.relpath.split('/')), e.md5);
    }
    await this.cache.insertManifest(dirManifest(entries));
    return hash;
  }

  /** `dvc add PATH`: caches it, writes `PATH.dvc` and lists it in the `.gitignore` beside it. */
  async add(target: string, onProgress?: OnProgress): Promise<{ dvcFile: string; hash: OutHash }> {
    const abs = this.resolve(target);
    if (abs === this.root)
      throw new AquaopsError('AQUAOPS_E_USAGE', 'cannot add the repository root', {
        hint: 'add a file or sub-directory.',
      });
    try {
      const hash = await this.commit(abs, onProgress);
      const dvcFile = `${abs}.dvc`;
      await writeDvcFile(dvcFile, { outs: [{ path: path.basename(abs), hash, cache: true }] });
      await this.ignoreInGit(abs);
      return { dvcFile, hash };
    } finally {
      await this.hashes.save();
    }
  }

  /** Adds `/basename` to the `.gitignore` in the output's directory, as DVC does. */
  async ignoreInGit(abs: string): Promise<void> {
    const gi = path.join(path.dirname(abs), '.gitignore');
    const line = `/${path.basename(abs)}`;
    let text = '';
    try {
      text = await readFile(gi, 'utf8');
    } catch {
      /* new .gitignore */
    }
    if (text.split(/\r?\n/).includes(line)) return;
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await writeFileAtomic(gi, `${text}${sep}${line}\n`);
  }

  /** Every `.dvc` file under the root (skipping .git, .dvc and node_modules). */
  async dvcFiles(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const it of await readdir(dir, { withFileTypes: true })) {
        if (it.isDirectory()) {
          if (!SKIP_DIRS.has(it.name)) await walk(path.join(dir, it.name));
        } else if (it.isFile() && it.name.endsWith('.dvc') && it.name !== '.dvc') {
          out.push(path.join(dir, it.name));
        }
      }
    };
    await walk(this.root);
    return out.sort();
  }

  /** Outputs of `.dvc` files and of stages in the root `dvc.lock`. */
  async trackedOuts(): Promise<TrackedOut[]> {
    const outs: TrackedOut[] = [];
    for (const file of await this.dvcFiles()) {
      const f: DvcFile = await readDvcFile(file);
      for (const o of f.outs) {
        const abs = path.resolve(path.dirname(file), o.path);
        const base = { source: this.relOf(file), abs, rel: this.relOf(abs), cache: o.cache };
        outs.push(o.hash === undefined ? base : { ...base, hash: o.hash });
      }
    }
    const lockFile = path.join(this.root, 'dvc.lock');
    if (existsSync(lockFile)) {
      const lock = await readLock(lockFile);
      const pipeline = existsSync(path.join(this.root, 'dvc.yaml')) ? await loadPipeline(this.root) : undefined;
      for (const [name, s] of lock) {
        const stage = pipeline?.stages.get(name);
        const wdir = path.join(this.root, stage?.wdir ?? '.');
        for (const o of s.outs) {
          const def = stage?.outs.find((x) => path.posix.normalize(x.path) === path.posix.normalize(o.path));
          const abs = path.resolve(wdir, o.path);
          const base = { source: `dvc.lock:${name}`, abs, rel: this.relOf(abs), cache: def?.cache ?? true };
          outs.push(o.hash === undefined ? base : { ...base, hash: o.hash });
        }
      }
    }
    return outs;
  }

  private async selectOuts(targets: readonly string[] | undefined): Promise<TrackedOut[]> {
    const all = await this.trackedOuts();
    if (targets === undefined || targets.length === 0) return all;
    const wanted = targets.map((t) => this.resolve(t.endsWith('.dvc') ? t.slice(0, -4) : t));
    const picked = all.filter((o) => wanted.some((w) => o.abs === w || o.abs.startsWith(w + path.sep)));
    const unknown = wanted.filter((w) => !all.some((o) => o.abs === w || o.abs.startsWith(w + path.sep)));
    if (unknown.length > 0) {
      throw new AquaopsError(
        'AQUAOPS_E_DVC_PATH_MISSING',
        `not tracked: ${unknown.map((u) => this.relOf(u)).join(', ')}`,
        {
          hint: 'track it with `aquaops data add PATH` or list outputs with `aquaops data status`.',
        },
      );
    }
    return picked;
  }

  /** Objects an output needs in the cache: its md5 and, for a directory, every file's md5. */
  private async objectsOf(hash: OutHash): Promise<string[]> {
    if (!hash.md5.endsWith('.dir')) return [hash.md5];
    if (!this.cache.has(hash.md5)) return [hash.md5];
    const entries = await this.cache.readManifest(hash.md5);
    return [hash.md5, ...entries.map((e) => e.md5)];
  }

  private async inCache(hash: OutHash): Promise<boolean> {
    for (const md5 of await this.objectsOf(hash)) if (!this.cache.has(md5)) return false;
    return true;
  }

  /** Like `dvc status`: outputs whose workspace copy or cache copy differs from what is recorded. */
  async status(targets?: readonly string[]): Promise<StatusEntry[]> {
    try {
      const out: StatusEntry[] = [];
      for (const o of await this.selectOuts(targets)) {
        const states: OutState[] = [];
        if (o.hash === undefined) {
          states.push('not committed');
        } else {
          const now = await this.hashPath(o.abs);
          if (now === undefined) states.push('deleted');
          else if (now.md5 !== o.hash.md5) states.push('modified');
          if (o.cache && !(await this.inCache(o.hash))) states.push('not in cache');
        }
        out.push({ source: o.source, path: o.rel, states: states.length === 0 ? ['ok'] : states });
      }
      return out;
    } finally {
      await this.hashes.save();
    }
  }

  /** Writes one recorded output back to the workspace from the cache. */
  async checkoutOut(
    abs: string,
    hash: OutHash,
    options: { force?: boolean; onProgress?: OnProgress } = {},
  ): Promise<boolean> {
    const now = await this.hashPath(abs);
    if (now?.md5 === hash.md5) return false;
    if (!(await this.inCache(hash))) {
      throw new AquaopsError('AQUAOPS_E_DVC_CACHE_MISSING', `${this.relOf(abs)} (${hash.md5}) is not in the cache`, {
        hint: 'run `aquaops data pull` to fetch it from the remote.',
      });
    }
    if (now !== undefined && !options.force && !(await this.inCache(now))) {
      throw new AquaopsError(
        'AQUAOPS_E_DVC_UNSAVED_CHANGES',
        `${this.relOf(abs)} has changes that are not in the cache`,
        {
          hint: 'run `aquaops data add` to keep them, or pass --force to discard them.',
        },
      );
    }
    options.onProgress?.({ action: 'checkout', path: this.relOf(abs) });
    if (!hash.md5.endsWith('.dir')) {
      if (now !== undefined && (await stat(abs)).isDirectory()) await rm(abs, { recursive: true });
      await this.cache.checkoutFile(hash.md5, abs);
      return true;
    }
    if (now !== undefined && !(await stat(abs)).isDirectory()) await unlink(abs);
    await mkdir(abs, { recursive: true });
    const entries = await this.cache.readManifest(hash.md5);
    const wanted = new Set(entries.map((e) => e.relpath));
    for (const rel of await listFiles(abs)) {
      if (!wanted.has(rel)) await unlink(path.join(abs, ...rel.split('/')));
    }
    for (const e of entries) {
      const file = path.join(abs, ...e.relpath.split('/'));
      const cur = existsSync(file) ? await this.hashes.hash(file) : undefined;
      if (cur?.md5 !== e.md5) await this.cache.checkoutFile(e.md5, file);
    }
    return true;
  }

  /** `dvc checkout`: makes the workspace match the recorded versions. */
  async checkout(
    targets?: readonly string[],
    options: { force?: boolean; onProgress?: OnProgress } = {},
  ): Promise<{ restored: string[]; unchanged: string[] }> {
    const restored: string[] = [];
    const unchanged: string[] = [];
    try {
      for (const o of await this.selectOuts(targets)) {
        if (o.hash === undefined || !o.cache) continue;
        if (await this.checkoutOut(o.abs, o.hash, options)) restored.push(o.rel);
        else unchanged.push(o.rel);
      }
    } finally {
      await this.hashes.save();
    }
    return { restored, unchanged };
  }

  async remote(name?: string): Promise<Remote> {
    const cfg = (await DvcConfig.load(this.dvcDir)).remote(name);
    return new LocalRemote(cfg.name, cfg.url);
  }

  private async neededObjects(
    targets: readonly string[] | undefined,
    remote?: Remote,
    onFetch?: (md5: string) => void,
  ): Promise<string[]> {
    const set = new Set<string>();
    for (const o of await this.selectOuts(targets)) {
      if (o.hash === undefined || !o.cache) continue;
      if (o.hash.md5.endsWith('.dir') && !this.cache.has(o.hash.md5) && remote && (await remote.exists(o.hash.md5))) {
        // fetch the manifest first so its files can be listed
        await this.cache.insertStream(o.hash.md5, await remote.read(o.hash.md5));
        onFetch?.(o.hash.md5);
      }
      for (const md5 of await this.objectsOf(o.hash)) set.add(md5);
    }
    return [...set].sort();
  }

  /** `dvc push`: uploads cached objects of tracked outputs the remote lacks. */
  async push(
    options: { remote?: string; targets?: readonly string[]; onProgress?: OnProgress } = {},
  ): Promise<TransferResult> {
    const remote = await this.remote(options.remote);
    let transferred = 0;
    let present = 0;
    const missing: string[] = [];
    for (const md5 of await this.neededObjects(options.targets)) {
      if (await remote.exists(md5)) {
        present++;
      } else if (!this.cache.has(md5)) {
        missing.push(md5);
      } else {
        options.onProgress?.({ action: 'push', path: md5 });
        await remote.write(md5, createReadStream(this.cache.pathOf(md5)));
        transferred++;
      }
    }
    return { transferred, present, missing };
  }

  /** `dvc pull`: downloads missing objects, then checks the outputs out. */
  async pull(
    options: { remote?: string; targets?: readonly string[]; force?: boolean; onProgress?: OnProgress } = {},
  ): Promise<TransferResult & { restored: string[] }> {
    const remote = await this.remote(options.remote);
    let transferred = 0;
    let present = 0;
    const missing: string[] = [];
    const prefetched = new Set<string>();
    const needed = await this.neededObjects(options.targets, remote, (md5) => {
      prefetched.add(md5);
      options.onProgress?.({ action: 'pull', path: md5 });
    });
    transferred += prefetched.size;
    for (const md5 of needed) {
      if (prefetched.has(md5)) {
        /* counted above */
      } else if (this.cache.has(md5)) {
        present++;
      } else if (!(await remote.exists(md5))) {
        missing.push(md5);
      } else {
        options.onProgress?.({ action: 'pull', path: md5 });
        await this.cache.insertStream(md5, await remote.read(md5));
        transferred++;
      }
    }
    if (missing.length > 0) {
      throw new AquaopsError(
        'AQUAOPS_E_DVC_CACHE_MISSING',
        `${missing.length} object(s) are on neither the cache nor remote "${remote.name}" (${missing.slice(0, 3).join(', ')})`,
        {
          hint: 'push them from the machine that has them (`aquaops data push`).',
        },
      );
    }
    const co = await this.checkout(options.targets, {
      ...(options.force === undefined ? {} : { force: options.force }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return { transferred, present, missing, restored: co.restored };
  }

  /** `dvc gc --workspace`: deletes cache objects no current `.dvc` file or `dvc.lock` refers to. */
  async gc(options: { onProgress?: OnProgress } = {}): Promise<{ removed: string[]; kept: number }> {
    const keep = new Set(await this.neededObjects(undefined));
    const removed: string[] = [];
    for (const md5 of await this.cache.list()) {
      if (keep.has(md5)) continue;
      options.onProgress?.({ action: 'remove', path: md5 });
      await rm(this.cache.pathOf(md5), { force: true });
      removed.push(md5);
    }
    // leftovers of interrupted writes (temp and staging files) are never valid objects
    const base = path.join(this.cache.root, 'files', 'md5');
    if (existsSync(base)) {
      for (const name of await readdir(base, { recursive: true })) {
        const leaf = path.basename(String(name));
        if (leaf.startsWith('.staging-') || (leaf.startsWith('.') && leaf.endsWith('.tmp'))) {
          await rm(path.join(base, String(name)), { force: true });
        }
      }
    }
    return { removed, kept: keep.size };
  }
}
