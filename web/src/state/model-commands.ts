/** A command a model declares, with its parameters (DESIGN §5.3: `commands: [names]` or `{name: {params}}`). */
export interface CommandSpec {
  readonly name: string;
  readonly params: readonly { readonly name: string; readonly type: string; readonly unit?: string; readonly values?: readonly string[] }[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function paramsOf(raw: unknown): CommandSpec['params'] {
  if (Array.isArray(raw)) {
    return raw.filter(isObj).map((p) => ({ name: String(p.name), type: String(p.type ?? p.schema ?? 'string'), ...(typeof p.unit === 'string' ? { unit: p.unit } : {}) }));
  }
  if (!isObj(raw)) return [];
  return Object.entries(raw).map(([name, spec]) =>
    typeof spec === 'string'
      ? { name, type: spec }
      : isObj(spec)
        ? { name, type: String(spec.type ?? spec.schema ?? 'string'), ...(typeof spec.unit === 'string' ? { unit: spec.unit } : {}), ...(Array.isArray(spec.values) ? { values: spec.values.map(String) } : {}) }
        : { name, type: 'string' },
  );
}

/** Normalizes whichever form the model list gives (compact YAML or compiled) into command specs. */
export function commandsOf(model: unknown): CommandSpec[] {
  if (!isObj(model)) return [];
  const raw = model.commands;
  if (Array.isArray(raw)) {
    return raw.map((c) => (typeof c === 'string' ? { name: c, params: [] } : isObj(c) ? { name: String(c.name), params: paramsOf(c.params ?? c.request) } : undefined)).filter((c): c is CommandSpec => c !== undefined && c.name !== 'undefined');
  }
  if (isObj(raw)) return Object.entries(raw).map(([name, c]) => ({ name, params: isObj(c) ? paramsOf(c.params ?? c.request) : [] }));
  return [];
}

/** The model named `name` in a `GET /api/models` answer (an array or `{items}`), by name, id or DTMI. */
export function findModel(body: unknown, name: string | undefined): unknown {
  if (!name) return undefined;
  const list = Array.isArray(body) ? body : isObj(body) && Array.isArray(body.items) ? body.items : [];
  return list.find((m) => isObj(m) && (m.name === name || m.id === name || m['@id'] === name));
}

/** Turns form strings into typed parameter values; empty fields are left out. */
export function coerceParams(spec: CommandSpec, form: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of spec.params) {
    const raw = form[p.name];
    if (raw === undefined || raw === '') continue;
    if (/^(float|double|int|integer|long|number)$/i.test(p.type)) out[p.name] = Number(raw);
    else if (/^(bool|boolean)$/i.test(p.type)) out[p.name] = raw === 'true';
    else if (p.type === 'object') out[p.name] = JSON.parse(raw);
    else out[p.name] = raw;
  }
  return out;
}
