import { registryDeps } from './main.ts';
import { buildApp } from './app.ts';
import { testConfig } from './testing/fixtures.ts';
const { deps, store } = await registryDeps({ storeUrl: 'sqlite:/tmp/aqup/.aquaops/registry.db', artifactDir: '/tmp/aqup/.aquaops/artifacts' });
const { app, manager } = await buildApp({ ...deps, processMetrics: false }, testConfig({ modelName: 'water-potability', rateLimit: { max: 1e6, windowMs: 1000 } }));
const m = manager.serving!.model;
const X = { nRows: 1, nCols: 9, data: Float64Array.from([7.1,200,21000,7,330,420,14,66,4]) };
let t = performance.now(); for (let i=0;i<500;i++) m.classifier.explain(X); console.log('explain µs', ((performance.now()-t)/500*1000).toFixed(0));
const payload = JSON.stringify({ph:7.1,Hardness:200,Solids:21000,Chloramines:7,Sulfate:330,Conductivity:420,Organic_carbon:14,Trihalomethanes:66,Turbidity:4});
for (let i=0;i<300;i++) await app.inject({ method: 'POST', url: '/api/v1/predict', payload, headers: {'content-type':'application/json'} });
t = performance.now(); const N = 2000;
for (let i=0;i<N;i++) { const r = await app.inject({ method: 'POST', url: '/api/v1/predict', payload, headers: {'content-type':'application/json'} }); if (r.statusCode!==200) throw new Error(r.body); }
console.log('inject predict µs', ((performance.now()-t)/N*1000).toFixed(0));
t = performance.now();
for (let i=0;i<N;i++) { await app.inject({ method: 'GET', url: '/livez' }); }
console.log('inject livez µs', ((performance.now()-t)/N*1000).toFixed(0));
await app.close(); await store.close();
