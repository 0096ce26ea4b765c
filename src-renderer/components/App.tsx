import { useCallback, useEffect, useState } from 'react';
import { hashFor, VIEW_LABELS, viewForKey, viewFromHash } from '../lib/nav';
import { VIEWS, type ViewName } from '../state/model';
import { DevicesView } from '../views/DevicesView';
import { LiveView } from '../views/LiveView';
import { MonitorView } from '../views/MonitorView';
import { SensorsView } from '../views/SensorsView';
import { MatchView } from '../views/range/MatchView';
import { ResultsView } from '../views/range/ResultsView';
import { RoView } from '../views/range/RoView';
import { GamesView } from '../views/games/GamesView';
import { GatewaysView } from '../views/games/GatewaysView';
import { BridgesView } from '../views/bridges/BridgesView';
import { KartingView } from '../views/karting/KartingView';
import { WebBluetoothAgentHost } from '../views/bridges/WebBluetoothAgentHost';
import { ConnectionBanner } from './ConnectionBanner';
import { useApp } from './context';
import { ErrorBoundary } from './ErrorBoundary';
import { HealthBar } from './HealthBar';
import { isTypingTarget } from './hooks';
import { Toasts } from './Toasts';

const VIEW_COMPONENTS: Record<ViewName, () => React.JSX.Element> = {
  live: LiveView,
  sensors: SensorsView,
  devices: DevicesView,
  monitor: MonitorView,
  games: GamesView,
  gateways: GatewaysView,
  ro: RoView,
  results: ResultsView,
  match: MatchView,
  bridges: BridgesView,
  karting: KartingView,
};

function Nav({ view, onSelect }: { view: ViewName; onSelect: (v: ViewName) => void }) {
  return (
    <nav className="nav" aria-label="Views">
      <ul>
        {VIEWS.map((v, i) => (
          <li key={v}>
            <a
              href={hashFor(v)}
              className="nav-link"
              aria-current={v === view ? 'page' : undefined}
              data-testid={`nav-${v}`}
              onClick={(e) => {
                e.preventDefault();
                onSelect(v);
              }}
            >
              <span className="nav-label">{VIEW_LABELS[v]}</span>
              {i < 9 ? (
                // Keys 1–9 switch views (viewForKey); later views have no shortcut.
                <kbd className="nav-key" aria-label={`shortcut ${i + 1}`}>
                  {i + 1}
                </kbd>
              ) : null}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function App() {
  const [view, setView] = useState<ViewName>(() => viewFromHash(window.location.hash));
  const hasHealth = useApp((s) => s.health !== null);

  const select = useCallback((v: ViewName) => {
    if (window.location.hash !== hashFor(v)) window.location.hash = hashFor(v);
    setView(v);
  }, []);

  useEffect(() => {
    const onHash = () => setView(viewFromHash(window.location.hash));
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || isTypingTarget(e.target)) return;
      const v = viewForKey(e.key, e);
      if (v) {
        e.preventDefault();
        select(v);
      }
    };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('keydown', onKey);
    };
  }, [select]);

  // The e2e readiness marker: set once the first health snapshot has been rendered.
  useEffect(() => {
    if (hasHealth) document.documentElement.dataset.appState = 'ready';
  }, [hasHealth]);

  useEffect(() => {
    document.title = `Marshal — ${VIEW_LABELS[view]}`;
  }, [view]);

  const View = VIEW_COMPONENTS[view];
  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <HealthBar />
      <ConnectionBanner />
      <div className="app-body">
        <Nav view={view} onSelect={select} />
        <main id="main" className="main" tabIndex={-1} data-view={view}>
          <ErrorBoundary resetKey={view}>
            <View />
          </ErrorBoundary>
        </main>
      </div>
      <Toasts />
      <WebBluetoothAgentHost />
    </div>
  );
}
