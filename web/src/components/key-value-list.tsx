const show = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
};

/** A definition list of an object's entries; nested values are shown as compact JSON. */
export function KeyValueList({ value, empty }: { readonly value: Readonly<Record<string, unknown>> | undefined; readonly empty: string }) {
  const entries = Object.entries(value ?? {});
  if (entries.length === 0) return <p class="muted">{empty}</p>;
  return (
    <dl class="kv">
      {entries.map(([k, v]) => (
        <div class="kv-row" key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'object' && v !== null ? <code>{show(v)}</code> : show(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
