/** Test fixtures shared by the dvc tests: the directory test vector of the DVC 3 `.dir` manifest. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The directory test vector of the DVC 3 `.dir` manifest. */
export async function makeVectorDir(root: string): Promise<string> {
  const dir = path.join(root, 'data');
  await mkdir(path.join(dir, 'raw', 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'README.txt'), 'café\n', 'utf8');
  await writeFile(path.join(dir, 'données.csv'), 'x\n');
  await writeFile(path.join(dir, 'raw', 'sub', 'b.csv'), 'a,b\n1,2\n');
  await writeFile(path.join(dir, 'raw', 'water.csv'), 'ph,Potability\r\n7.1,1\r\n');
  return dir;
}

export const VECTOR_MANIFEST =
  '[{"md5": "6e99834b7c3e3fd53529a5489725d7e8", "relpath": "README.txt"}, {"md5": "401b30e3b8b5d629635a5c613cdb7919", "relpath": "donn\\u00e9es.csv"}, {"md5": "e5ebd4c02cefbe7955977c67ada242b7", "relpath": "raw/sub/b.csv"}, {"md5": "184bbdd79377f3b7b93402a1c8f31c66", "relpath": "raw/water.csv"}]';
