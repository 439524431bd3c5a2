import 'uplot/dist/uPlot.min.css';
import './styles/app.css';
import { render } from 'preact';
import { createApiClient } from './api/api-client.ts';
import { browserEventSource } from './api/browser-event-source.ts';
import { createEventStream, type StreamState, StreamStatus } from './api/event-stream.ts';
import { ALL_EVENT_TYPES, type PortalEvent } from './api/types.ts';
import { App } from './app.tsx';
import { AppContext, type AppServices } from './app-context.ts';
import { captureToken, TOKEN_KEY } from './lib/auth-token.ts';
import { eventHub } from './lib/event-hub.ts';
import { observable } from './lib/observable.ts';
import { createTicker } from './lib/ticker.ts';
import { createAlarmTracker } from './state/alarm-tracker.ts';
import { applyPortalEvent } from './state/apply-event.ts';
import { createLimiter } from './state/limiter.ts';
import { createLiveStore } from './state/live-store.ts';
import { createTwinLoader } from './state/twin-loader.ts';

/** Concurrent snapshot requests; HTTP/1.1 browsers open six per origin and the event stream holds one. */
const FETCH_CONCURRENCY = 4;
/** Views refresh at most this often, however fast telemetry arrives. */
const FLUSH_MS = 150;
/** One stream carries every event type: the store applies some, pages follow the rest through `events`. */
const STREAM_TYPES = ALL_EVENT_TYPES;

const captured = captureToken(location.search, sessionStorage);
if (captured.changed) history.replaceState(history.state, '', `${location.pathname}${captured.search}${location.hash}`);
const tenant = new URLSearchParams(location.search).get('tenant') || undefined;

const authRequired = observable(false);
const api = createApiClient({
  fetch: (input, init) => fetch(input, init),
  token: captured.token,
  tenant,
  onUnauthorized: () => authRequired.set(true),
});
const store = createLiveStore({
  now: () => Date.now(),
  schedule: (flush) => setTimeout(() => requestAnimationFrame(flush), FLUSH_MS),
});
const loader = createTwinLoader({ api, store, limiter: createLimiter(FETCH_CONCURRENCY), now: () => Date.now() });
const stream = observable<StreamState>({ status: StreamStatus.Connecting });
const events = eventHub<PortalEvent>();

createEventStream({
  url: api.streamUrl({ types: STREAM_TYPES }),
  types: STREAM_TYPES,
  createSource: browserEventSource,
  timers: { now: () => Date.now(), setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as number) },
  onEvent: (event) => {
    applyPortalEvent(store, event);
    events.emit(event);
  },
  onState: (state) => stream.set(state),
  onResync: () => loader.resync(),
  onError: (err) => console.warn('twinflow:', err),
});
void loader.loadTwins();
const alarms = createAlarmTracker(api, events);

const services: AppServices = {
  api,
  store,
  loader,
  stream,
  events,
  alarms,
  authRequired,
  tenant,
  ticker: createTicker(1000, {
    now: () => Date.now(),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (h) => clearInterval(h as number),
  }),
  applyToken(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    location.reload();
  },
};

const root = document.getElementById('app');
if (!root) throw new Error('#app element missing from index.html');
root.textContent = '';
render(
  <AppContext.Provider value={services}>
    <App />
  </AppContext.Provider>,
  root,
);
