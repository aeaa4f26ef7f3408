/**
 * Open Inference Protocol (KServe V2) adapter. Tensors are turned back into samples — one FP64
 * tensor per feature (shape [N] or [N,1]) or a single [N, F] tensor in signature order — and then
 * go through exactly the same validation, routing, scoring and logging as `/api/v1/predict`.
 */
import { AquaopsError, type V2InferRequest, type V2InferResponse, type V2ModelMetadata } from '@aquaops/contracts';
import type { ModelManager } from '../../model/manager.js';
import type { PredictService } from '../predict/service.js';

type Cell = number | null;

function flatten(data: V2InferRequest['inputs'][number]['data'], where: string): Cell[] {
  const out: Cell[] = [];
  data.forEach((d, i) => {
    if (Array.isArray(d)) for (const x of d) out.push(x);
    else if (d === null || typeof d === 'number') out.push(d);
    else throw bad(`${where}/data/${i}`, 'a number or null', typeof d);
  });
  return out;
}

function bad(path: string, expected: string, found: string): AquaopsError {
  return new AquaopsError('AQUAOPS_E_VALIDATION', `invalid inference request at ${path}: expected ${expected}`, {
    hint: 'Send FP64 tensors: one per feature with shape [N], or one tensor with shape [N, F] in signature order.',
    details: [{ path, expected, found }],
  });
}

export class KserveService {
  constructor(
    private readonly manager: ModelManager,
    private readonly predict: PredictService,
  ) {}

  private requireModel(name: string) {
    const cur = this.manager.serving;
    if (name !== this.manager.name) {
      throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `unknown model "${name.slice(0, 100)}"`, {
        hint: `This server serves "${this.manager.name}".`,
      });
    }
    if (cur === undefined) {
      throw new AquaopsError('AQUAOPS_E_MODEL_NOT_READY', `model "${name}" is not ready`, { hint: 'Retry shortly.' });
    }
    return cur.model;
  }

  ready(name: string): boolean {
    return name === this.manager.name && this.manager.ready;
  }

  metadata(name: string): V2ModelMetadata {
    const m = this.requireModel(name);
    return {
      name: m.name,
      versions: [String(m.version)],
      platform: `aquaops-${m.classifier.kind}`,
      inputs: m.signature.features.map((f) => ({ name: f.name, datatype: 'FP64', shape: [-1] })),
      outputs: [
        { name: 'probability', datatype: 'FP64', shape: [-1] },
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'verdict', datatype: 'BYTES', shape: [-1] },
      ],
    };
  }

  /** Converts tensors to samples (validation of values happens in the predict service). */
  toSamples(name: string, req: V2InferRequest): Record<string, Cell>[] {
    const m = this.requireModel(name);
    const feats = m.signature.features.map((f) => f.name);
    const nf = feats.length;
    let cols: Cell[][];
    let n: number;
    if (req.inputs.length === 1 && req.inputs[0]!.shape.length === 2 && req.inputs[0]!.shape[1] === nf && nf > 1) {
      const t = req.inputs[0]!;
      n = t.shape[0]!;
      const flat = flatten(t.data, '/inputs/0');
      if (flat.length !== n * nf)
        throw bad('/inputs/0/data', `${n * nf} values for shape [${n}, ${nf}]`, `${flat.length}`);
      cols = feats.map((_, j) => Array.from({ length: n }, (_v, i) => flat[i * nf + j]!));
    } else {
      const byName = new Map(req.inputs.map((t, k) => [t.name, { t, k }]));
      for (const t of req.inputs) {
        if (!feats.includes(t.name))
          throw bad(`/inputs/${byName.get(t.name)!.k}/name`, `one of ${feats.join(', ')}`, JSON.stringify(t.name));
      }
      const first = req.inputs[0]!;
      n = first.shape[0]!;
      cols = feats.map((f) => {
        const e = byName.get(f);
        if (e === undefined) throw bad('/inputs', `a tensor named ${f}`, 'none');
        const { t, k } = e;
        if (t.shape[0] !== n || (t.shape.length === 2 && t.shape[1] !== 1)) {
          throw bad(`/inputs/${k}/shape`, `[${n}] or [${n}, 1] (all tensors the same length)`, JSON.stringify(t.shape));
        }
        const flat = flatten(t.data, `/inputs/${k}`);
        if (flat.length !== n) throw bad(`/inputs/${k}/data`, `${n} values`, String(flat.length));
        return flat;
      });
    }
    if (n === 0) throw bad('/inputs/0/shape', 'at least one row', '0');
    return Array.from({ length: n }, (_v, i) => {
      const s: Record<string, Cell> = {};
      feats.forEach((f, j) => {
        s[f] = cols[j]![i]!;
      });
      return s;
    });
  }

  infer(name: string, req: V2InferRequest, requestId: string): V2InferResponse {
    const samples = this.toSamples(name, req);
    // V2 outputs carry no explanation: skip computing it.
    const preds = this.predict.predict(samples, requestId, process.hrtime.bigint(), { explain: false });
    const m = preds[0]?.model;
    const pos = this.manager.serving?.model.signature.verdicts.positive;
    const all = [
      { name: 'probability', shape: [preds.length], datatype: 'FP64', data: preds.map((p) => p.probability) },
      { name: 'label', shape: [preds.length], datatype: 'INT64', data: preds.map((p) => (p.verdict === pos ? 1 : 0)) },
      { name: 'verdict', shape: [preds.length], datatype: 'BYTES', data: preds.map((p) => p.verdict) },
    ];
    const wanted = req.outputs?.map((o) => o.name);
    if (wanted !== undefined) {
      wanted.forEach((w, i) => {
        if (!all.some((o) => o.name === w))
          throw bad(`/outputs/${i}/name`, 'probability, label or verdict', JSON.stringify(w));
      });
    }
    const res: V2InferResponse = {
      model_name: name,
      outputs: wanted === undefined ? all : all.filter((o) => wanted.includes(o.name)),
    };
    if (m !== undefined) res.model_version = String(m.version);
    if (req.id !== undefined) res.id = req.id;
    return res;
  }
}
