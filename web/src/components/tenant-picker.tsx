import { useState } from 'preact/hooks';

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Switches tenant by reloading with `?tenant=`: every request and the stream are scoped by it (DESIGN §4). */
export function TenantPicker({ tenant }: { readonly tenant?: string }) {
  const [value, setValue] = useState(tenant ?? 'default');
  const [editing, setEditing] = useState(false);
  if (!editing) {
    return (
      <button type="button" class="pill pill-muted tenant-pill" title="Change tenant" onClick={() => setEditing(true)}>
        tenant: {tenant ?? 'default'}
      </button>
    );
  }
  const valid = TENANT.test(value);
  return (
    <form
      class="tenant-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid) return;
        const qs = new URLSearchParams(location.search);
        if (value === 'default') qs.delete('tenant');
        else qs.set('tenant', value);
        const s = qs.toString();
        location.assign(`${location.pathname}${s ? `?${s}` : ''}${location.hash}`);
      }}
    >
      <label class="visually-hidden" for="tenant-input">Tenant</label>
      <input id="tenant-input" value={value} size={10} autoFocus aria-invalid={!valid} onInput={(e) => setValue(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Escape' && setEditing(false)} />
      <button type="submit" class="btn btn-small" disabled={!valid}>Switch</button>
    </form>
  );
}
