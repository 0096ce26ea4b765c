import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBridge } from './bridge';
import { App } from './components/App';
import { AppContext } from './components/context';
import { createAppStore } from './state/store';
import { connectStore } from './state/sync';
import './styles.css';

document.documentElement.dataset.appState = 'loading';

const bridge = createBridge();
const store = createAppStore();
connectStore(bridge, bridge.connection, store);

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <AppContext.Provider value={{ bridge, store }}>
      <App />
    </AppContext.Provider>
  </StrictMode>,
);
