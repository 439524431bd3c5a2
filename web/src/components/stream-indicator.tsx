import { useServices } from '../app-context.ts';
import { StreamStatus } from '../api/event-stream.ts';
import { useNow } from '../hooks/use-now.ts';
import { useObservable } from '../hooks/use-observable.ts';

/** The live stream's state; announced politely to screen readers when it changes. */
export function StreamIndicator() {
  const { stream } = useServices();
  const state = useObservable(stream);
  const now = useNow();
  let text: string;
  let tone: string;
  switch (state.status) {
    case StreamStatus.Open:
      text = 'Live';
      tone = 'ok';
      break;
    case StreamStatus.Connecting:
      text = 'Connecting…';
      tone = 'warn';
      break;
    case StreamStatus.Reconnecting: {
      const wait = state.retryAt === undefined ? 0 : Math.ceil((state.retryAt - now) / 1000);
      text = wait > 0 ? `Reconnecting in ${wait} s…` : 'Reconnecting…';
      tone = 'warn';
      break;
    }
    default:
      text = 'Offline';
      tone = 'bad';
  }
  return (
    <p class={`stream stream-${tone}`} role="status" aria-live="polite" data-status={state.status}>
      <span class={`dot${state.status === StreamStatus.Open ? ' dot-pulse' : ''}`} aria-hidden="true" />
      {text}
    </p>
  );
}
