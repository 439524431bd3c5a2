import type { TwinStatus } from '../api/types.ts';

export function StatusBadge({ status }: { readonly status: TwinStatus | string }) {
  return <span class={`pill pill-${status === 'active' ? 'ok' : 'muted'}`}>{status}</span>;
}
