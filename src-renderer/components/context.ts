import { createContext, useContext } from 'react';
import type { AppBridge } from '../bridge';
import { useAppStore, type AppState, type AppStore } from '../state/store';

export interface AppServices {
  bridge: AppBridge;
  store: AppStore;
}

export const AppContext = createContext<AppServices | null>(null);

function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('AppContext missing');
  return services;
}

/** Views see the Bridge only (not which transport it is). */
export function useBridge(): AppBridge {
  return useServices().bridge;
}

export function useStoreApi(): AppStore {
  return useServices().store;
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useAppStore(useServices().store, selector);
}

export function useActions(): AppState['actions'] {
  return useAppStore(useServices().store, (s) => s.actions);
}
