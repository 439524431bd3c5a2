import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api/api-client.ts';
import type { StreamState } from './api/event-stream.ts';
import type { PortalEvent } from './api/types.ts';
import type { EventHub } from './lib/event-hub.ts';
import type { AlarmState } from './state/alarm-tracker.ts';
import type { Observable } from './lib/observable.ts';
import type { Ticker } from './lib/ticker.ts';
import type { LiveStore } from './state/live-store.ts';
import type { TwinLoader } from './state/twin-loader.ts';

/** What views need, built once in `main.tsx` and handed down; no module-level singletons. */
export interface AppServices {
  readonly api: ApiClient;
  readonly store: LiveStore;
  readonly loader: TwinLoader;
  readonly ticker: Ticker;
  readonly stream: Observable<StreamState>;
  /** Every event of the live stream, after the store has applied it. */
  readonly events: EventHub<PortalEvent>;
  /** Active alarms, for the header, the cards and the Workflows page. */
  readonly alarms: Observable<AlarmState>;
  /** Set when the server answered 401: the shell then asks for a token. */
  readonly authRequired: Observable<boolean>;
  readonly tenant?: string;
  /** Stores a token for this tab and reloads with it. */
  readonly applyToken: (token: string) => void;
}

export const AppContext = createContext<AppServices | undefined>(undefined);

export function useServices(): AppServices {
  const s = useContext(AppContext);
  if (!s) throw new Error('AppContext missing: render views inside <AppContext.Provider>');
  return s;
}
