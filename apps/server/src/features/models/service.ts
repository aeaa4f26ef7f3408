/** Read-only model catalogue: versions with aliases, metrics, signature and model card. */
import { AquaopsError } from '@aquaops/contracts';
import type { ModelManager } from '../../model/manager.js';
import type { ModelSource, ModelVersionInfo } from '../../model/types.js';

function summary(v: ModelVersionInfo) {
  const s = { name: v.name, version: v.version, aliases: [...v.aliases], metrics: { ...v.metrics } };
  return v.createdAt === undefined ? s : { ...s, createdAt: v.createdAt };
}

export class ModelsService {
  constructor(
    private readonly source: ModelSource,
    private readonly manager: ModelManager,
  ) {}

  async list() {
    const cur = this.manager.serving?.model;
    const serving =
      cur === undefined
        ? null
        : cur.alias === undefined
          ? { name: cur.name, version: cur.version }
          : { name: cur.name, version: cur.version, alias: cur.alias };
    return { models: (await this.source.list()).map(summary), serving };
  }

  async describe(name: string, version: number) {
    const v = await this.source.describe(name, version);
    if (v === undefined) {
      throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${name} has no version ${version}`, {
        hint: 'List the versions with GET /api/v1/models.',
      });
    }
    const base = { ...summary(v), signature: v.signature, card: { ...v.card } };
    return v.checksum === undefined ? base : { ...base, checksum: v.checksum };
  }
}
