/**
 * The zustand store: DataState plus actions. Created by a factory so tests get a fresh store
 * without React; the app creates one in main.tsx.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { HealthSnapshot, MonitorBatch, RejectRow, SampleBatch } from '../../src-shared/contract/types';
import type { MarshalEvent } from '../../src-shared/events/model';
import {
  clearMonitor,
  initialData,
  pauseMonitor,
  reduceEventHistory,
  reduceEvents,
  reduceHealth,
  reduceMonitor,
  reduceRejects,
  reduceToast,
  resumeMonitor,
  type ConnectionStatus,
  type DataState,
} from './model';
import { SampleBuffers } from './ring';

/** Per-sensor sample capacity: 10 s at up to ~400 Hz. */
export const SAMPLES_PER_SENSOR = 4096;

export interface Actions {
  applyEvents(batch: readonly MarshalEvent[]): void;
  loadEventHistory(history: readonly MarshalEvent[]): void;
  applySamples(batch: SampleBatch): void;
  seedSamples(batch: SampleBatch): void;
  applyHealth(h: HealthSnapshot): void;
  applyMonitor(batch: MonitorBatch): void;
  applyRejects(rows: readonly RejectRow[], total?: number): void;
  setConnection(c: ConnectionStatus): void;
  pauseMonitor(): void;
  resumeMonitor(): void;
  clearMonitor(): void;
  notifyError(message: string): void;
  dismissToast(id: number): void;
}

export interface AppState extends DataState {
  /** Mutable typed-array rings, stable for the store's lifetime; charts read them directly. */
  samples: SampleBuffers;
  actions: Actions;
}

export type AppStore = StoreApi<AppState>;

export function createAppStore(now: () => number = Date.now): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...initialData(),
    samples: new SampleBuffers(SAMPLES_PER_SENSOR),
    actions: {
      applyEvents(batch) {
        if (!Array.isArray(batch) || batch.length === 0) return;
        set((s) => reduceEvents(s, batch, now()));
      },
      loadEventHistory(history) {
        set((s) => reduceEventHistory(s, history, now()));
      },
      applySamples(batch) {
        const sensors = batch && typeof batch === 'object' ? batch.sensors : null;
        if (!sensors || typeof sensors !== 'object') return;
        const kept = get().samples.apply(sensors, now());
        if (kept > 0) set((s) => ({ samplesSeq: s.samplesSeq + 1 }));
      },
      seedSamples(batch) {
        const sensors = batch && typeof batch === 'object' ? batch.sensors : null;
        if (!sensors || typeof sensors !== 'object') return;
        const buffers = get().samples;
        for (const id of Object.keys(sensors)) {
          const samples = sensors[id];
          if (Array.isArray(samples) && samples.length > 0) buffers.ensure(id).seed(samples);
        }
        set((s) => ({ samplesSeq: s.samplesSeq + 1 }));
      },
      applyHealth(h) {
        if (!h || typeof h !== 'object') return;
        set((s) => reduceHealth(s, h, now()));
      },
      applyMonitor(batch) {
        if (!batch || typeof batch !== 'object') return;
        set((s) => {
          const monitor = reduceMonitor(s.monitor, batch);
          return monitor === s.monitor ? s : { monitor };
        });
      },
      applyRejects(rows, total) {
        if (!Array.isArray(rows)) return;
        set((s) => {
          const rejects = reduceRejects(s.rejects, rows, total);
          return rejects === s.rejects ? s : { rejects };
        });
      },
      setConnection(c) {
        set({ connection: c });
      },
      pauseMonitor() {
        set((s) => ({ monitor: pauseMonitor(s.monitor) }));
      },
      resumeMonitor() {
        set((s) => ({ monitor: resumeMonitor(s.monitor) }));
      },
      clearMonitor() {
        set((s) => ({ monitor: clearMonitor(s.monitor) }));
      },
      notifyError(message) {
        set((s) => reduceToast(s, message, now()));
      },
      dismissToast(id) {
        set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
      },
    },
  }));
}

export function useAppStore<T>(store: AppStore, selector: (s: AppState) => T): T {
  return useStore(store, selector);
}
