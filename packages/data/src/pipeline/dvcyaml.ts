/**
 * Loads and validates `dvc.yaml` (stages with cmd, wdir, deps, params, outs, metrics, plots)
 * and the params files stages read. Validation is strict like DVC's schema — an unknown key is
 * almost always a typo that would silently disable tracking — and each error names the file,
 * the stage and the key, and says how to fix it. Like DVC, `${key}` in a command or path is
 * replaced by that value of the root params.yaml, so a param can drive a path or a flag.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AquaopsError } from '@aquaops/contracts';
import { parse } from 'yaml';

export type OutKind = 'outs' | 'metrics' | 'plots';

export interface StageOut {
  /** As written, relative to the stage's wdir. */
  readonly path: string;
  readonly cache: boolean;
  readonly persist: boolean;
  readonly kind: OutKind;
}

export interface ParamsRef {
  /** Relative to the stage's wdir. */
  readonly file: string;
  /** Dotted keys; `null` means every top-level key of the file. */
  readonly keys: readonly string[] | null;
}

export interface Stage {
  readonly name: string;
  readonly cmd: string | readonly string[];
  /** Relative to the repository root, POSIX, '.' for the root. */
  readonly wdir: string;
  readonly deps: readonly string[];
  readonly params: readonly ParamsRef[];
  readonly outs: readonly StageOut[];
  readonly frozen: boolean;
  readonly alwaysChanged: boolean;
}

export interface PipelineDef {
  readonly file: string;
  readonly root: string;
  readonly stages: ReadonlyMap<string, Stage>;
}

export const DEFAULT_PARAMS_FILE = 'params.yaml';

const STAGE_KEYS = new Set([
  'cmd',
  'wdir',
  'deps',
  'params',
  'outs',
  'metrics',
  'plots',
  'frozen',
  'always_changed',
  'desc',
  'meta',
]);
const TOP_KEYS = new Set(['stages', 'vars', 'params', 'metrics', 'plots', 'artifacts', 'datasets']);
const OUT_FLAGS = new Set(['cache', 'persist', 'desc', 'type', 'labels', 'meta', 'remote', 'push', 'x', 'y', 'title']);

function bad(file: string, where: string, message: string, hint: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_DVC_FILE_INVALID', `${file}: ${where}: ${message}`, {
    hint,
    details: [{ path: `${file}:${where}` }],
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseOuts(file: string, where: string, raw: unknown, kind: OutKind): StageOut[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw bad(file, where, 'expected a list of paths', `write "${kind}:" followed by "- path" lines.`);
  return raw.map((item: unknown, i): StageOut => {
    if (typeof item === 'string' && item !== '') {
      return { path: item, cache: true, persist: false, kind };
    }
    if (isRecord(item) && Object.keys(item).length === 1) {
      const [p, flags] = Object.entries(item)[0]!;
      const f = flags ?? {};
      if (!isRecord(f))
        throw bad(file, `${where}[${i}]`, `flags of "${p}" must be a mapping`, 'e.g. "- model.json: {cache: false}".');
      for (const k of Object.keys(f)) {
        if (!OUT_FLAGS.has(k))
          throw bad(file, `${where}[${i}].${p}`, `unknown option "${k}"`, `use one of: ${[...OUT_FLAGS].join(', ')}.`);
      }
      if (f.cache !== undefined && typeof f.cache !== 'boolean')
        throw bad(file, `${where}[${i}].${p}.cache`, 'expected true or false', 'write "cache: false".');
      return { path: p, cache: f.cache !== false, persist: f.persist === true, kind };
    }
    throw bad(
      file,
      `${where}[${i}]`,
      `expected a path or "path: {options}", found ${JSON.stringify(item)}`,
      'list each output as "- path".',
    );
  });
}

function parseParams(file: string, where: string, raw: unknown): ParamsRef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    throw bad(file, where, 'expected a list', 'list keys of params.yaml, or "- file.yaml: [keys]".');
  const byFile = new Map<string, string[] | null>();
  raw.forEach((item: unknown, i) => {
    if (typeof item === 'string' && item !== '') {
      const keys = byFile.get(DEFAULT_PARAMS_FILE);
      if (keys !== null) byFile.set(DEFAULT_PARAMS_FILE, [...(keys ?? []), item]);
      return;
    }
    if (isRecord(item)) {
      for (const [f, keys] of Object.entries(item)) {
        if (keys === null) {
          byFile.set(f, null);
        } else if (Array.isArray(keys) && keys.every((k) => typeof k === 'string')) {
          const prev = byFile.get(f);
          if (prev !== null) byFile.set(f, [...(prev ?? []), ...(keys as string[])]);
        } else {
          throw bad(
            file,
            `${where}[${i}].${f}`,
            'expected a list of keys or nothing',
            `write "- ${f}: [key1, key2]" or "- ${f}:".`,
          );
        }
      }
      return;
    }
    throw bad(
      file,
      `${where}[${i}]`,
      `expected a key or "file: [keys]", found ${JSON.stringify(item)}`,
      'list keys of params.yaml.',
    );
  });
  return [...byFile].map(([f, keys]) => ({ file: f, keys }));
}

/** Replaces `${dotted.key}` with scalar values of `vars` (DVC's templating from params.yaml). */
export function interpolate(value: string, vars: Record<string, unknown>, file: string, where: string): string {
  return value.replace(/\$\{\s*([^}\s]+)\s*\}/g, (_m, key: string) => {
    const v = lookupParam(vars, key);
    if (v === undefined) {
      throw new AquaopsError(
        'AQUAOPS_E_DVC_PARAM_MISSING',
        `${file}: ${where}: "\${${key}}" is not defined in params.yaml`,
        {
          hint: `add "${key}" to params.yaml or write the value literally.`,
          details: [{ path: `${file}:${where}` }],
        },
      );
    }
    if (typeof v === 'object' && v !== null) {
      throw bad(
        file,
        where,
        `"\${${key}}" is a mapping or list, not a value`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: DVC's literal ${...} template syntax
        'reference a single value (e.g. ${split.seed}).',
      );
    }
    return String(v);
  });
}

function interpolateStage(
  raw: Record<string, unknown>,
  vars: Record<string, unknown>,
  file: string,
  where: string,
): Record<string, unknown> {
  const walk = (v: unknown, at: string): unknown => {
    if (typeof v === 'string') return interpolate(v, vars, file, at);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}[${i}]`));
    if (isRecord(v))
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [interpolate(k, vars, file, at), walk(x, `${at}.${k}`)]),
      );
    return v;
  };
  const out: Record<string, unknown> = { ...raw };
  for (const k of ['cmd', 'wdir', 'deps', 'outs', 'metrics', 'plots']) {
    if (raw[k] !== undefined) out[k] = walk(raw[k], `${where}.${k}`);
  }
  return out;
}

export function parsePipeline(
  text: string,
  file: string,
  root: string,
  vars: Record<string, unknown> = {},
): PipelineDef {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw bad(file, 'yaml', (err as Error).message.split('\n')[0]!, 'fix the YAML syntax (indentation, colons).');
  }
  if (!isRecord(doc)) throw bad(file, 'top', 'expected a mapping with "stages:"', 'start the file with "stages:".');
  for (const k of Object.keys(doc)) {
    if (!TOP_KEYS.has(k))
      throw bad(
        file,
        k,
        `unknown top-level key "${k}"`,
        'the top level holds "stages:" (and vars, params, metrics, plots).',
      );
  }
  if (doc.vars !== undefined)
    throw bad(
      file,
      'vars',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: DVC's literal ${...} template syntax
      'templating ("vars", "${...}") is not supported',
      'write values literally or read them from params.yaml.',
    );
  if (!isRecord(doc.stages))
    throw bad(file, 'stages', 'expected a mapping of stage names', 'add "stages:" with at least one stage.');
  const stages = new Map<string, Stage>();
  for (const [name, stageDoc] of Object.entries(doc.stages)) {
    const where = `stages.${name}`;
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name))
      throw bad(file, where, `invalid stage name "${name}"`, 'use letters, digits, "_", "-", ".".');
    if (!isRecord(stageDoc)) throw bad(file, where, 'expected a mapping', 'give the stage at least a "cmd:".');
    const rawStage = interpolateStage(stageDoc, vars, file, where);
    if (rawStage.foreach !== undefined || rawStage.matrix !== undefined)
      throw bad(file, where, '"foreach"/"matrix" stages are not supported', 'write one stage per variant.');
    for (const k of Object.keys(rawStage)) {
      if (!STAGE_KEYS.has(k))
        throw bad(file, `${where}.${k}`, `unknown key "${k}"`, `stage keys are: ${[...STAGE_KEYS].join(', ')}.`);
    }
    const cmd = rawStage.cmd;
    const cmdOk =
      (typeof cmd === 'string' && cmd.trim() !== '') ||
      (Array.isArray(cmd) && cmd.length > 0 && cmd.every((c) => typeof c === 'string'));
    if (!cmdOk)
      throw bad(
        file,
        `${where}.cmd`,
        'missing or empty command',
        'give the shell command to run, e.g. "cmd: node train.js".',
      );
    const wdirRaw = rawStage.wdir ?? '.';
    if (typeof wdirRaw !== 'string') throw bad(file, `${where}.wdir`, 'expected a directory path', 'e.g. "wdir: src".');
    const wdir = path.posix.normalize(wdirRaw.replaceAll('\\', '/'));
    if (wdir.startsWith('..') || path.posix.isAbsolute(wdir))
      throw bad(file, `${where}.wdir`, `"${wdirRaw}" leaves the repository`, 'use a path inside the repository.');
    const deps = rawStage.deps ?? [];
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string' && d !== '')) {
      throw bad(file, `${where}.deps`, 'expected a list of paths', 'list each dependency as "- path".');
    }
    const outs = [
      ...parseOuts(file, `${where}.outs`, rawStage.outs, 'outs'),
      ...parseOuts(file, `${where}.metrics`, rawStage.metrics, 'metrics'),
      ...parseOuts(file, `${where}.plots`, rawStage.plots, 'plots'),
    ];
    stages.set(name, {
      name,
      cmd: typeof cmd === 'string' ? cmd : (cmd as string[]),
      wdir,
      deps: deps as string[],
      params: parseParams(file, `${where}.params`, rawStage.params),
      outs,
      frozen: rawStage.frozen === true,
      alwaysChanged: rawStage.always_changed === true,
    });
  }
  return { file, root, stages };
}

export async function loadPipeline(root: string, fileName = 'dvc.yaml'): Promise<PipelineDef> {
  const file = path.join(root, fileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AquaopsError('AQUAOPS_E_DVC_PATH_MISSING', `${file} does not exist`, {
      hint: 'create a dvc.yaml with "stages:" in the repository root.',
    });
  }
  const paramsFile = path.join(root, DEFAULT_PARAMS_FILE);
  const vars = text.includes('${') && existsSync(paramsFile) ? await loadParamsFile(paramsFile) : {};
  return parsePipeline(text, file, root, vars);
}

/** Parses a params file by extension (YAML, or JSON which YAML also reads). */
export async function loadParamsFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new AquaopsError('AQUAOPS_E_DVC_PATH_MISSING', `params file ${file} does not exist`, {
      hint: 'create it, or remove the params entry from dvc.yaml.',
    });
  }
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : parse(text);
  } catch (err) {
    throw bad(file, 'yaml', (err as Error).message.split('\n')[0]!, 'fix the YAML/JSON syntax.');
  }
  if (!isRecord(doc)) throw bad(file, 'top', 'expected a mapping of parameters', 'write "key: value" lines.');
  return doc;
}

/** Value of a dotted key ("train.lr"); `undefined` when absent. */
export function lookupParam(doc: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(doc, key)) return doc[key];
  let cur: unknown = doc;
  for (const part of key.split('.')) {
    if (!isRecord(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** Flattens nested mappings to dotted keys (how metrics and params are compared and shown). */
export function flatten(doc: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (isRecord(doc)) {
    for (const [k, v] of Object.entries(doc)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out[prefix] = doc;
  }
  return out;
}
