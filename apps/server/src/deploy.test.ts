/**
 * Checks of the deployment files (Dockerfile, deploy/compose, deploy/k8s, deploy/prometheus,
 * deploy/grafana) against the server they deploy: nothing here can run Docker or a cluster, so
 * these tests keep the files honest instead — every file parses, alert rules and dashboard queries
 * only name metrics the server really exports, every environment variable set for an aquaops
 * container is one the server's configuration reads (and the values load), the image runs as a
 * non-root user, and the manifests keep the properties docs/deploy.md promises.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, loadConfig } from './config.js';
import { createMetrics } from './features/metrics/metrics.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = path.join(ROOT, 'deploy');

type Doc = Record<string, unknown>;

const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');
const yaml = (rel: string): Doc => parseYaml(read(rel), { merge: true }) as Doc;
const obj = (v: unknown, where: string): Doc => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where} is not a mapping`);
  return v as Doc;
};
const arr = (v: unknown, where: string): unknown[] => {
  if (!Array.isArray(v)) throw new Error(`${where} is not a list`);
  return v;
};

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// What the server knows: its environment variables and its metric names.

/** Every AQUAOPS_* variable config.ts names (error codes excluded). */
function configVariables(): Set<string> {
  const src = read('apps/server/src/config.ts');
  const names = [...src.matchAll(/\bAQUAOPS_[A-Z0-9_]+\b/g)]
    .map((m) => m[0])
    .filter((n) => !n.startsWith('AQUAOPS_E_'));
  return new Set(names);
}
const KNOWN_ENV = configVariables();

/** Series names a Prometheus scrape of the server can contain (histograms expand to three). */
function exportedSeries(): Set<string> {
  const metrics = createMetrics();
  const names = new Set<string>(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
  for (const m of metrics.registry.getMetricsAsArray()) {
    const name = m.name;
    names.add(name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
const EXPORTED = exportedSeries();

const PROMQL_WORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** Metric names used by a PromQL expression (label matchers, grouping lists, strings, ranges and functions removed). */
function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/(^|[^A-Za-z0-9_:])\d+(?:\.\d*)?(?:[eE][-+]?\d+)?/g, '$1 ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const after = stripped.slice((m.index ?? 0) + word.length).trimStart();
    if (after.startsWith('(')) continue; // a function or aggregation
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------

describe('the PromQL metric-name extraction these checks rely on', () => {
  it('finds metric names and ignores labels, functions, groupings and durations', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(aquaops_x_bucket{route=~"/a|b", le!="1"}[5m]))) > 0.25',
      ),
    ).toEqual(['aquaops_x_bucket']);
    expect(promqlMetricNames('up{job="a"} == 1 unless on (instance) (aquaops_model_info == 1)')).toEqual([
      'up',
      'aquaops_model_info',
    ]);
    expect(promqlMetricNames('sum(rate(a_total[$__rate_interval])) / clamp_min(sum(rate(b_total[5m])), 1e-9)')).toEqual(
      ['a_total', 'b_total'],
    );
  });

  it('knows the server metrics and the variables of config.ts', () => {
    expect(EXPORTED.has('aquaops_predictions_total')).toBe(true);
    expect(EXPORTED.has('aquaops_prediction_duration_seconds_bucket')).toBe(true);
    expect(EXPORTED.has('aquaops_no_such_metric')).toBe(false);
    expect(KNOWN_ENV.has('AQUAOPS_PORT')).toBe(true);
    expect(KNOWN_ENV.has('AQUAOPS_STORE_URL')).toBe(true);
    expect(KNOWN_ENV.has('AQUAOPS_E_CONFIG')).toBe(false);
  });

  it('only counts variables config.ts really reads (each one changes or rejects the configuration)', () => {
    for (const name of KNOWN_ENV) {
      const effects = [' ', 'zz!', '7'].map((probe) => {
        try {
          return JSON.stringify(loadConfig({ env: { [name]: probe } })) !== JSON.stringify(DEFAULT_CONFIG);
        } catch {
          return true;
        }
      });
      expect(effects.some(Boolean), `${name} has no effect on loadConfig`).toBe(true);
    }
  });
});

describe('deploy/ files', () => {
  it('every YAML and JSON file parses', () => {
    const files = filesUnder(DEPLOY).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(15);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      if (f.endsWith('.json')) expect(() => JSON.parse(text), f).not.toThrow();
      else {
        const docs = parseAllDocuments(text);
        const list = Array.isArray(docs) ? docs : [docs];
        for (const d of list) expect(d.errors.map((e) => `${path.relative(ROOT, f)}: ${e.message}`)).toEqual([]);
      }
    }
  });
});

describe('Prometheus', () => {
  const rules = yaml('deploy/prometheus/rules.yml');
  const groups = arr(rules.groups, 'groups').map((g, i) => obj(g, `groups[${i}]`));
  const allRules = groups.flatMap((g) => arr(g.rules, `${String(g.name)}.rules`).map((r) => obj(r, 'rule')));

  it('has alerts for the failure modes the deployment guide lists', () => {
    const names = allRules.map((r) => r.alert);
    for (const a of [
      'AquaopsApiDown',
      'AquaopsNoModelLoaded',
      'AquaopsPredictionLatencyP99High',
      'AquaopsHttp5xxRateHigh',
      'AquaopsPredictionLogDropping',
    ]) {
      expect(names).toContain(a);
    }
  });

  it('every rule is complete and names only metrics the server exports', () => {
    for (const r of allRules) {
      const where = String(r.alert);
      expect(typeof r.expr, where).toBe('string');
      expect(['critical', 'warning', 'info'], where).toContain(obj(r.labels, `${where}.labels`).severity);
      expect(typeof obj(r.annotations, `${where}.annotations`).summary, where).toBe('string');
      if (r.for !== undefined) expect(String(r.for), where).toMatch(/^[0-9]+[smhd]$/);
      const used = promqlMetricNames(String(r.expr));
      expect(used.length, `${where} uses no metric`).toBeGreaterThan(0);
      for (const m of used) expect(EXPORTED.has(m), `${where}: ${m} is not exported by the server`).toBe(true);
    }
  });

  it('the scrape config loads the rules file and defines the job the rules select', () => {
    const prom = yaml('deploy/prometheus/prometheus.yml');
    expect(prom.rule_files).toEqual(['/etc/prometheus/rules.yml']);
    const jobs = arr(prom.scrape_configs, 'scrape_configs').map((s) => obj(s, 'scrape_config').job_name);
    for (const r of allRules) {
      for (const m of String(r.expr).matchAll(/job="([^"]+)"/g)) expect(jobs).toContain(m[1]);
    }
    const compose = yaml('deploy/compose/compose.yaml');
    const volumes = arr(obj(obj(compose.services, 'services').prometheus, 'prometheus').volumes, 'volumes');
    expect(volumes).toContain('../prometheus/rules.yml:/etc/prometheus/rules.yml:ro');
  });
});

describe('Grafana', () => {
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/aquaops.json')) as Doc;
  const panels = arr(dashboard.panels, 'panels').map((p, i) => obj(p, `panels[${i}]`));

  it('queries only metrics the server exports, through the provisioned datasource', () => {
    const ds = yaml('deploy/grafana/provisioning/datasources/prometheus.yaml');
    const uid = obj(arr(ds.datasources, 'datasources')[0], 'datasource').uid;
    let queries = 0;
    for (const p of panels) {
      for (const t of arr(p.targets, `${String(p.title)}.targets`).map((x) => obj(x, 'target'))) {
        queries += 1;
        expect(obj(t.datasource, 'target.datasource').uid, String(p.title)).toBe(uid);
        const used = promqlMetricNames(String(t.expr));
        expect(used.length, `${String(p.title)} uses no metric`).toBeGreaterThan(0);
        for (const m of used) expect(EXPORTED.has(m), `${String(p.title)}: ${m} is not exported`).toBe(true);
      }
    }
    expect(queries).toBeGreaterThanOrEqual(10);
  });

  it('covers traffic per version, latency, verdicts, probabilities, dropped logs and model info', () => {
    const exprs = panels.flatMap((p) => arr(p.targets, 'targets').map((t) => String(obj(t, 'target').expr)));
    const joined = exprs.join('\n');
    expect(joined).toMatch(/by \(model_version, route\) \(rate\(aquaops_predictions_total/);
    expect(joined).toMatch(/histogram_quantile\(0\.5, .*aquaops_prediction_duration_seconds_bucket/);
    expect(joined).toMatch(/histogram_quantile\(0\.99, .*aquaops_prediction_duration_seconds_bucket/);
    expect(joined).toMatch(/by \(verdict\)/);
    expect(joined).toContain('aquaops_prediction_probability_bucket');
    expect(joined).toContain('aquaops_prediction_log_dropped_total');
    expect(joined).toContain('aquaops_model_info');
  });

  it('has unique panel ids and the dashboards provider points where compose mounts them', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const prov = yaml('deploy/grafana/provisioning/dashboards/aquaops.yaml');
    const provider = obj(arr(prov.providers, 'providers')[0], 'provider');
    const dir = obj(provider.options, 'options').path;
    const compose = yaml('deploy/compose/compose.yaml');
    const volumes = arr(obj(obj(compose.services, 'services').grafana, 'grafana').volumes, 'volumes');
    expect(volumes).toContain(`../grafana/dashboards:${String(dir)}:ro`);
  });
});

// ---------------------------------------------------------------------------------------------
// Environment variables given to aquaops containers.

/** Compose-style `${VAR:-default}` interpolation with an empty environment (the defaults apply). */
const interpolate = (v: string): string => v.replace(/\$\{[A-Za-z0-9_]+(?::?-([^}]*))?\}/g, (_m, def) => def ?? '');

function expectKnownAndLoadable(env: Record<string, string>, where: string): void {
  for (const k of Object.keys(env))
    expect(KNOWN_ENV.has(k), `${where} sets ${k}, which config.ts does not read`).toBe(true);
  expect(() => loadConfig({ env }), where).not.toThrow();
}

describe('compose', () => {
  const compose = yaml('deploy/compose/compose.yaml');
  const services = obj(compose.services, 'services');
  const aquaops = Object.entries(services).filter(([, s]) => String(obj(s, 'service').image).startsWith('aquaops'));
  const envOf = (name: string): Record<string, string> => {
    const e = obj(obj(services[name], name).environment, `${name}.environment`);
    return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, interpolate(String(v))]));
  };

  it('sets only variables the server reads, with values it accepts', () => {
    expect(aquaops.map(([n]) => n).sort()).toEqual(['api', 'train']);
    for (const [name] of aquaops) expectKnownAndLoadable(envOf(name), `compose service ${name}`);
  });

  it('the API and the training job share one registry, artifact volume and model name', () => {
    const api = envOf('api');
    const train = envOf('train');
    for (const k of ['AQUAOPS_STORE_URL', 'AQUAOPS_ARTIFACT_DIR', 'AQUAOPS_MODEL_NAME'])
      expect(api[k], k).toBe(train[k]);
    expect(api.AQUAOPS_STORE_URL).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
    expect(api.AQUAOPS_HOST).toBe('0.0.0.0');
    const vol = (n: string): string[] => arr(obj(services[n], n).volumes, `${n}.volumes`).map(String);
    expect(vol('api')).toContain(`artifacts:${api.AQUAOPS_ARTIFACT_DIR}:ro`);
    expect(vol('train')).toContain(`artifacts:${train.AQUAOPS_ARTIFACT_DIR}`);
    const dependsOn = obj(obj(services.api, 'api').depends_on, 'api.depends_on');
    expect(obj(dependsOn.train, 'depends_on.train').condition).toBe('service_completed_successfully');
  });

  it('runs the training bootstrap that exists in deploy/scripts', () => {
    const cmd = arr(obj(services.train, 'train').command, 'train.command').map(String);
    const script = cmd.find((c) => c.startsWith('/app/deploy/scripts/'));
    expect(script).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, script!.slice('/app/'.length)))).toBe(true);
  });
});

describe('Kubernetes', () => {
  const K8S = 'deploy/k8s';
  const docs = (rel: string): Doc[] =>
    parseAllDocuments(read(`${K8S}/${rel}`))
      .map((d) => d.toJS() as Doc)
      .filter(Boolean);
  const kustomization = yaml(`${K8S}/kustomization.yaml`);
  const resources = arr(kustomization.resources, 'resources').map(String);
  const all = resources.flatMap(docs);
  const byKind = (kind: string): Doc[] => all.filter((d) => d.kind === kind);
  const configMap = obj(byKind('ConfigMap')[0]?.data, 'ConfigMap.data') as Record<string, string>;
  const secret = obj(docs('secret.example.yaml')[0]?.stringData, 'Secret.stringData') as Record<string, string>;
  const podSpec = (d: Doc): Doc => obj(obj(obj(d.spec, 'spec').template, 'template').spec, 'pod spec');
  const deployment = byKind('Deployment')[0]!;
  const job = byKind('Job')[0]!;

  it('kustomization lists every manifest except the example secret', () => {
    const files = fs.readdirSync(path.join(ROOT, K8S)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...resources].sort()).toEqual(files.filter((f) => f !== 'secret.example.yaml').sort());
    for (const k of [
      'Namespace',
      'ConfigMap',
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Job',
    ])
      expect(byKind(k).length, k).toBe(1);
  });

  it('sets only variables the server reads, with values it accepts', () => {
    expectKnownAndLoadable({ ...configMap, ...secret }, 'ConfigMap + example Secret');
    for (const d of [deployment, job]) {
      for (const c of arr(podSpec(d).containers, 'containers').map((x) => obj(x, 'container'))) {
        const env = (c.env as { name: string; value?: string }[] | undefined) ?? [];
        expectKnownAndLoadable(Object.fromEntries(env.map((e) => [e.name, e.value ?? 'x'])), `${String(d.kind)} env`);
        const from = arr(c.envFrom, 'envFrom').map((x) => obj(x, 'envFrom'));
        expect(from.map((f) => Object.keys(f)[0]).sort(), String(d.kind)).toEqual(['configMapRef', 'secretRef']);
      }
    }
    expect(secret.AQUAOPS_STORE_URL).toMatch(/^postgres:\/\//);
    expect(secret.AQUAOPS_STORE_URL).toContain('CHANGE_ME');
  });

  it('the API Deployment is stateless, non-root, read-only and rolls out without losing capacity', () => {
    const spec = obj(deployment.spec, 'spec');
    expect(spec.replicas).toBe(3);
    const rolling = obj(obj(spec.strategy, 'strategy').rollingUpdate, 'rollingUpdate');
    expect(rolling.maxUnavailable).toBe(0);
    const pod = podSpec(deployment);
    const psc = obj(pod.securityContext, 'pod securityContext');
    expect(psc.runAsNonRoot).toBe(true);
    expect(psc.runAsUser).toBe(10001);
    const c = obj(arr(pod.containers, 'containers')[0], 'container');
    const sc = obj(c.securityContext, 'container securityContext');
    expect(sc.readOnlyRootFilesystem).toBe(true);
    expect(sc.allowPrivilegeEscalation).toBe(false);
    const mounts = arr(c.volumeMounts, 'volumeMounts').map((m) => obj(m, 'mount'));
    const tmp = mounts.find((m) => m.mountPath === '/tmp');
    expect(tmp).toBeDefined();
    const vols = arr(pod.volumes, 'volumes').map((v) => obj(v, 'volume'));
    expect(vols.find((v) => v.name === tmp!.name)?.emptyDir).toBeDefined();
    const probe = (k: string): Doc => obj(obj(c[k], k).httpGet, `${k}.httpGet`);
    expect(probe('livenessProbe').path).toBe('/livez');
    expect(probe('readinessProbe').path).toBe('/readyz');
    const resources = obj(c.resources, 'resources');
    expect(obj(resources.requests, 'requests').cpu).toBeDefined();
    expect(obj(resources.limits, 'limits').memory).toBeDefined();
    const port = arr(c.ports, 'ports').map((p) => obj(p, 'port'))[0]!;
    expect(String(port.containerPort)).toBe(configMap.AQUAOPS_PORT);
    const ann = obj(obj(obj(spec.template, 'template').metadata, 'metadata').annotations, 'annotations');
    expect(ann['prometheus.io/scrape']).toBe('true');
    expect(ann['prometheus.io/port']).toBe(configMap.AQUAOPS_PORT);
    expect(ann['prometheus.io/path']).toBe('/metrics');
  });

  it('the HPA, PDB and Service target the Deployment, and the Job runs the bootstrap script', () => {
    const name = obj(deployment.metadata, 'metadata').name;
    const hpa = obj(byKind('HorizontalPodAutoscaler')[0]!.spec, 'hpa.spec');
    expect(obj(hpa.scaleTargetRef, 'scaleTargetRef').name).toBe(name);
    const pdb = obj(byKind('PodDisruptionBudget')[0]!.spec, 'pdb.spec');
    expect(Number(pdb.minAvailable)).toBeLessThan(Number(hpa.minReplicas));
    const podLabels = obj(obj(obj(obj(deployment.spec, 's').template, 't').metadata, 'm').labels, 'labels');
    for (const sel of [
      obj(obj(pdb.selector, 'pdb.selector').matchLabels, 'matchLabels'),
      obj(obj(byKind('Service')[0]!.spec, 'svc.spec').selector, 'svc.selector'),
    ]) {
      for (const [k, v] of Object.entries(sel)) expect(podLabels[k], k).toBe(v);
    }
    const jc = obj(arr(podSpec(job).containers, 'containers')[0], 'job container');
    const script = arr(jc.command, 'command')
      .map(String)
      .find((s) => s.startsWith('/app/deploy/scripts/'));
    expect(script).toBeDefined();
    expect(fs.existsSync(path.join(ROOT, script!.slice('/app/'.length)))).toBe(true);
    expect(obj(jc.securityContext, 'job securityContext').readOnlyRootFilesystem).toBe(true);
    const workMount = arr(jc.volumeMounts, 'mounts')
      .map((m) => obj(m, 'mount'))
      .find((m) => m.mountPath === jc.workingDir);
    expect(workMount, 'the Job needs a writable working directory').toBeDefined();
  });
});

describe('Dockerfile', () => {
  const text = read('Dockerfile').replace(/\\\n/g, ' ');
  const stages = text.split(/^FROM\s+/m).slice(1);
  const final = stages[stages.length - 1] ?? '';

  it('runs the final stage as a non-root user and checks /livez', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const users = [...final.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1]!.split(':')[0]!;
    expect(['root', '0']).not.toContain(user);
    expect(user).toBe('10001');
    expect(final).toMatch(/^HEALTHCHECK .*\/livez/m);
    expect(final).toMatch(/^EXPOSE 8000$/m);
    expect(final).toMatch(/^WORKDIR \/app$/m);
    expect(stages[0]).toMatch(/python3 make g\+\+/);
  });

  it('sets only known server variables, and the image listens on all interfaces', () => {
    const env: Record<string, string> = {};
    for (const m of final.matchAll(/\b(AQUAOPS_[A-Z0-9_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
    expect(env.AQUAOPS_HOST).toBe('0.0.0.0');
    expectKnownAndLoadable(env, 'Dockerfile ENV');
  });

  it('copies the manifest of every workspace before npm ci', () => {
    const beforeCi = (stages[0] ?? '').split(/^RUN npm ci/m)[0] ?? '';
    for (const group of ['packages', 'apps']) {
      for (const d of fs.readdirSync(path.join(ROOT, group))) {
        if (!fs.existsSync(path.join(ROOT, group, d, 'package.json'))) continue;
        expect(beforeCi, `${group}/${d}/package.json`).toContain(`COPY ${group}/${d}/package.json ${group}/${d}/`);
      }
    }
  });

  it('.dockerignore keeps local state out but lets the training script in', () => {
    const lines = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const l of ['**/node_modules', '.aquaops', '.git', '**/.env']) expect(lines).toContain(l);
    expect(final).toContain('/src/deploy/scripts');
    expect(lines).toContain('!deploy/scripts');
  });
});

describe('docs/deploy.md', () => {
  it('documents every configuration variable', () => {
    const doc = read('docs/deploy.md');
    for (const v of KNOWN_ENV) expect(doc, v).toContain(`\`${v}\``);
  });
});
