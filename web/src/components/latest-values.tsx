import type { LatestValues as Latest } from '../state/latest-values.ts';
import { LoadState } from '../state/live-store.ts';
import { formatValue } from '../lib/format.ts';

export interface LatestValuesProps {
  readonly latest: Latest | undefined;
  readonly state: LoadState;
  /** Show at most this many fields, then "+N more". */
  readonly max?: number;
}

export function LatestValuesList({ latest, state, max }: LatestValuesProps) {
  const fields = latest?.fields ?? [];
  if (fields.length === 0) {
    const text = state === LoadState.Error ? 'Values unavailable' : state === LoadState.Ready ? 'No telemetry yet' : 'Loading values…';
    return <p class="values-empty muted">{text}</p>;
  }
  const shown = max === undefined ? fields : fields.slice(0, max);
  const more = fields.length - shown.length;
  return (
    <dl class="values">
      {shown.map((f) => (
        <div class="value" key={f.field}>
          <dt>{f.field}</dt>
          <dd>{formatValue(f.value)}</dd>
        </div>
      ))}
      {more > 0 && <div class="value value-more"><dt class="visually-hidden">more</dt><dd>+{more} more</dd></div>}
    </dl>
  );
}
