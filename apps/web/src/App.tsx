/**
 * The application shell: a header with the four views (lab, batch, models, operations), hash
 * routing so every view has a link and reloads land where they were, and the served model's
 * signature loaded once and shared, since the lab form and the batch checks are built from it.
 * Only the lab view is in the entry bundle; the other views load on first visit.
 */
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ApiClient, ApiError } from './api/client.js';
import type { ServingState } from './serving.js';
import { LabView } from './views/LabView.js';

const BatchView = lazy(() => import('./views/BatchView.js').then((m) => ({ default: m.BatchView })));
const ModelsView = lazy(() => import('./views/ModelsView.js').then((m) => ({ default: m.ModelsView })));
const OpsView = lazy(() => import('./views/OpsView.js').then((m) => ({ default: m.OpsView })));

const VIEWS = [
  { id: 'lab', label: 'Lab sample' },
  { id: 'batch', label: 'Batch' },
  { id: 'models', label: 'Models' },
  { id: 'ops', label: 'Operations' },
] as const;
type ViewId = (typeof VIEWS)[number]['id'];

function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return VIEWS.find((v) => v.id === id)?.id ?? 'lab';
}

const client = new ApiClient();

export function App() {
  const [view, setView] = useState<ViewId>(() => viewFromHash(window.location.hash));
  const [serving, setServing] = useState<ServingState>({ status: 'loading' });

  const loadServing = useCallback(async () => {
    try {
      const list = await client.models();
      const ref =
        list.serving ??
        [...list.models].sort((a, b) => b.version - a.version).find((m) => m.aliases.includes('champion')) ??
        null;
      if (ref === null) {
        setServing({
          status: 'none',
          message: 'No model is being served yet. Train one (aquaops train) or promote a version in the Models view.',
        });
        return;
      }
      setServing({ status: 'ready', model: await client.version(ref.name, ref.version) });
    } catch (err) {
      setServing({
        status: 'error',
        message: err instanceof ApiError ? err.message : `Could not load the model: ${(err as Error).message}`,
      });
    }
  }, []);

  useEffect(() => {
    void loadServing();
    const onHash = (): void => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [loadServing]);

  useEffect(() => {
    const v = VIEWS.find((x) => x.id === view);
    document.title = `${v?.label ?? 'aquaops'} — aquaops`;
  }, [view]);

  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <div className="brand">aquaops</div>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a href={`#/${v.id}`} aria-current={view === v.id ? 'page' : undefined}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {view === 'lab' && <LabView client={client} serving={serving} />}
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {view === 'batch' && <BatchView client={client} serving={serving} />}
          {view === 'models' && <ModelsView client={client} onServingChanged={loadServing} />}
          {view === 'ops' && <OpsView client={client} />}
        </Suspense>
      </main>
      <footer className="foot">
        <p>
          aquaops is a screening aid: a prediction never replaces an accredited laboratory analysis. Guideline values
          are WHO / US EPA reference values.
        </p>
      </footer>
    </>
  );
}
