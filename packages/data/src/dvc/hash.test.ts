import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeVectorDir, VECTOR_MANIFEST } from './fixtures.test-util.js';
import { compareCodePoints, dirManifest, listFiles, md5Bytes, md5File, pythonJsonString } from './hash.js';

const SHARED_CSV = path.resolve(process.cwd(), '../shared/data/water_potability.csv');
const hasShared = existsSync(SHARED_CSV);
if (!hasShared) console.warn(`skipping shared-dataset hash vector: ${SHARED_CSV} is missing`);

describe('DVC 3 hashing', () => {
  it.skipIf(!hasShared)('hashes the shared CSV raw bytes (CRLF kept) to the DVC md5', async () => {
    expect((await readFile(SHARED_CSV)).length).toBe(525187);
    expect(await md5File(SHARED_CSV)).toBe('a5eeae83d792e40da6c2f9e1eab945fc');
  });

  it('builds the exact .dir manifest bytes of the vector directory', async () => {
    const dir = await makeVectorDir(await mkdtemp(path.join(tmpdir(), 'aq-hash-')));
    const files = await listFiles(dir);
    expect(files).toEqual(['README.txt', 'données.csv', 'raw/sub/b.csv', 'raw/water.csv']);
    const entries = [];
    for (const f of files) entries.push({ md5: await md5File(path.join(dir, f)), relpath: f });
    const manifest = dirManifest(entries.reverse());
    expect(manifest).toBe(VECTOR_MANIFEST);
    expect(md5Bytes(manifest)).toBe('62847db6aa4af64b9143d0a3b5d54031');
  });

  it('escapes like Python json.dumps and sorts by code point', () => {
    expect(pythonJsonString('a"b\\c\n\u0001é😀')).toBe('"a\\"b\\\\c\\n\\u0001\\u00e9\\ud83d\\ude00"');
    // U+FF5E sorts before U+1F600 in Python though its UTF-16 unit is larger than the high surrogate
    expect(['😀', '～'].sort(compareCodePoints)).toEqual(['～', '😀']);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
  });
});
