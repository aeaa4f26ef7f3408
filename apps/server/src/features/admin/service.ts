/**
 * Admin operations: moving an alias (promotion or rollback) and setting A/B routing. A version
 * of the served model is verified before any alias or routing may point at it, so a bad version
 * is refused up front rather than discovered by the watchers. Routing is stored in the registry
 * like aliases are, so every process serving from it applies the table within one poll interval;
 * the process that took the request applies it at once.
 */
import { AquaopsError, type AliasRequest, type Routing } from '@aquaops/contracts';
import type { ModelManager } from '../../model/manager.js';
import type { ModelAdmin, ModelSource } from '../../model/types.js';

export class AdminService {
  constructor(
    private readonly source: ModelSource,
    private readonly admin: ModelAdmin | undefined,
    private readonly manager: ModelManager,
  ) {}

  async setAlias(name: string, alias: string, req: AliasRequest, actor: string) {
    if (this.admin === undefined) {
      throw new AquaopsError('AQUAOPS_E_FORBIDDEN', 'this server has no registry write access', {
        hint: 'Change aliases with the CLI against the registry, or start the server with a ModelAdmin.',
      });
    }
    if ((await this.source.describe(name, req.version)) === undefined) {
      throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `model ${name} has no version ${req.version}`, {
        hint: 'List the versions with GET /api/v1/models.',
        details: [{ path: '/version', expected: 'a registered version', found: String(req.version) }],
      });
    }
    if (name === this.manager.name) await this.manager.check(req.version);
    const { previous } = await this.admin.setAlias(name, alias, req.version, { reason: req.reason, actor });
    if (name === this.manager.name && alias === this.manager.ref) await this.manager.refresh();
    const cur = this.manager.serving?.model;
    return {
      name,
      alias,
      version: req.version,
      previous: previous ?? null,
      serving: cur !== undefined && cur.name === name && cur.version === req.version,
    };
  }

  /** The routing stored for the served model (what every process applies); none = no variants. */
  async getRouting(): Promise<Routing> {
    try {
      return (await this.source.getRouting(this.manager.name)) ?? { variants: [] };
    } catch (err) {
      // a malformed stored row is the server's problem, not the caller's: not a 400
      if (err instanceof AquaopsError && err.code === 'AQUAOPS_E_REGISTRY_INVALID') {
        throw new AquaopsError('AQUAOPS_E_INTERNAL', err.message, {
          hint: 'Set the routing again with PUT /api/v1/admin/routing; it replaces the stored one.',
          details: err.details,
          cause: err,
        });
      }
      throw err;
    }
  }

  async setRouting(config: Routing, actor: string, reason: string): Promise<Routing> {
    const admin = this.admin;
    if (admin === undefined) {
      throw new AquaopsError('AQUAOPS_E_FORBIDDEN', 'this server has no registry write access', {
        hint: 'Routing is stored in the registry for every server process; start the server with a ModelAdmin.',
      });
    }
    const sig = this.manager.serving?.model.signature;
    if (sig === undefined) {
      throw new AquaopsError('AQUAOPS_E_MODEL_NOT_READY', 'no model is serving; routing needs one', {
        hint: 'Wait until GET /readyz is ready.',
      });
    }
    const key = config.stickyKey;
    if (key !== undefined) {
      const fields = [...sig.features.map((f) => f.name), ...(sig.passthrough ?? [])];
      if (!fields.includes(key)) {
        throw new AquaopsError('AQUAOPS_E_VALIDATION', `sticky key "${key}" is not a request field`, {
          hint: 'Use a passthrough field of the signature (e.g. a site id) or a feature.',
          details: [{ path: '/stickyKey', expected: `one of ${fields.join(', ')}`, found: JSON.stringify(key) }],
        });
      }
    }
    if (config.variants.length > 0 && config.variants.every((v) => v.weight === 0)) {
      throw new AquaopsError('AQUAOPS_E_VALIDATION', 'all variant weights are 0', {
        hint: 'Give at least one variant a positive weight, or send an empty variant list.',
        details: [{ path: '/variants', expected: 'a positive total weight', found: '0' }],
      });
    }
    const name = this.manager.name;
    await this.manager.setRouting(config, (c) => admin.setRouting(name, c, { reason, actor }));
    return config;
  }
}
