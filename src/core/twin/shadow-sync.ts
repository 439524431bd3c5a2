/**
 * Twin sync settings (DESIGN §5.5; the iotflow seed's `configure_twin_sync`): per device group, how telemetry maps
 * into reported state, how often, which side wins a conflict, and how unacknowledged desired changes are healed.
 */
import { parseDuration } from '../duration.ts';
import type { Problem } from '../errors.ts';
import { isJsonObject } from '../json.ts';
import { ConflictPolicy } from './shadow-update.ts';

export const RetryStrategy = { ExponentialBackoff: 'exponential_backoff', Fixed: 'fixed', None: 'none' } as const;
export type RetryStrategy = (typeof RetryStrategy)[keyof typeof RetryStrategy];

export interface TwinSyncSettings {
  /** Reported property → source (`payload.temperature`, or a telemetry field name). */
  telemetryMapping: Record<string, string>;
  /** At most one mapped reported update per this many ms; 0 is every reading. */
  updateFrequencyMs: number;
  conflictResolution: ConflictPolicy;
  /** Set when desired changes must be acknowledged by reported state converging to them. */
  acknowledgment?: { timeoutMs: number; retryStrategy: RetryStrategy; maxRetries: number };
  /** Re-send desired on divergence after the timeout, and raise `twin.drift` when retries are spent. */
  healing: boolean;
  clearDesiredOnMatch: boolean;
}

const DEFAULT_ACK_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 3;

/** One group's section, as the seed writes it; every problem is listed. */
export function parseTwinSyncSection(raw: unknown, path = ''): { ok: true; settings: TwinSyncSettings } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const at = (k: string) => (path === '' ? k : `${path}.${k}`);
  if (!isJsonObject(raw)) return { ok: false, problems: [{ path, message: 'must be an object' }] };
  const settings: TwinSyncSettings = {
    telemetryMapping: {},
    updateFrequencyMs: 0,
    conflictResolution: ConflictPolicy.LatestTimestamp,
    healing: false,
    clearDesiredOnMatch: false,
  };
  const known = new Set(['telemetry_mapping', 'update_frequency', 'conflict_resolution', 'command_acknowledgment', 'state_consistency', 'clear_desired_on_match']);
  for (const key of Object.keys(raw)) if (!known.has(key)) problems.push({ path: at(key), message: `unknown setting; expected one of ${[...known].join(', ')}` });
  if (raw.telemetry_mapping !== undefined) {
    if (!isJsonObject(raw.telemetry_mapping)) problems.push({ path: at('telemetry_mapping'), message: 'must map reported properties to sources such as payload.temperature' });
    else {
      for (const [prop, source] of Object.entries(raw.telemetry_mapping)) {
        if (typeof source !== 'string' || source === '') problems.push({ path: at(`telemetry_mapping.${prop}`), message: 'must be a source such as payload.temperature' });
        else settings.telemetryMapping[prop] = source;
      }
    }
  }
  if (raw.update_frequency !== undefined) {
    const ms = typeof raw.update_frequency === 'string' || typeof raw.update_frequency === 'number' ? parseDuration(raw.update_frequency) : undefined;
    if (ms === undefined) problems.push({ path: at('update_frequency'), message: 'must be a duration such as 1m' });
    else settings.updateFrequencyMs = ms;
  }
  if (raw.conflict_resolution !== undefined) {
    const policies = Object.values(ConflictPolicy) as string[];
    if (typeof raw.conflict_resolution !== 'string' || !policies.includes(raw.conflict_resolution)) {
      problems.push({ path: at('conflict_resolution'), message: `must be one of ${policies.join(', ')}` });
    } else settings.conflictResolution = raw.conflict_resolution as ConflictPolicy;
  }
  if (raw.command_acknowledgment !== undefined) {
    const ack = raw.command_acknowledgment;
    if (!isJsonObject(ack)) problems.push({ path: at('command_acknowledgment'), message: 'must be an object {method, timeout, retry_strategy}' });
    else {
      if (ack.method !== undefined && ack.method !== 'reported_properties') {
        problems.push({ path: at('command_acknowledgment.method'), message: 'must be reported_properties' });
      }
      const timeout = ack.timeout === undefined ? DEFAULT_ACK_TIMEOUT_MS : typeof ack.timeout === 'string' || typeof ack.timeout === 'number' ? parseDuration(ack.timeout) : undefined;
      if (timeout === undefined || timeout <= 0) problems.push({ path: at('command_acknowledgment.timeout'), message: 'must be a duration such as 30s' });
      const strategies = Object.values(RetryStrategy) as string[];
      const strategy = ack.retry_strategy ?? RetryStrategy.ExponentialBackoff;
      if (typeof strategy !== 'string' || !strategies.includes(strategy)) {
        problems.push({ path: at('command_acknowledgment.retry_strategy'), message: `must be one of ${strategies.join(', ')}` });
      }
      const maxRetries = ack.max_retries ?? DEFAULT_MAX_RETRIES;
      if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0) {
        problems.push({ path: at('command_acknowledgment.max_retries'), message: 'must be a non-negative integer' });
      }
      if (timeout !== undefined && timeout > 0 && typeof strategy === 'string' && typeof maxRetries === 'number') {
        settings.acknowledgment = { timeoutMs: timeout, retryStrategy: strategy as RetryStrategy, maxRetries: strategy === RetryStrategy.None ? 0 : maxRetries };
      }
    }
  }
  if (raw.state_consistency !== undefined) {
    const sc = raw.state_consistency;
    if (!isJsonObject(sc)) problems.push({ path: at('state_consistency'), message: 'must be an object {validation, healing}' });
    else if (sc.healing !== undefined && sc.healing !== 'auto' && sc.healing !== 'manual' && sc.healing !== 'none') {
      problems.push({ path: at('state_consistency.healing'), message: 'must be auto, manual or none' });
    } else settings.healing = sc.healing === 'auto';
  }
  if (raw.clear_desired_on_match !== undefined) {
    if (typeof raw.clear_desired_on_match !== 'boolean') problems.push({ path: at('clear_desired_on_match'), message: 'must be true or false' });
    else settings.clearDesiredOnMatch = raw.clear_desired_on_match;
  }
  // Healing without an acknowledgment section still needs a timeout and a retry budget.
  if (settings.healing && settings.acknowledgment === undefined) {
    settings.acknowledgment = { timeoutMs: DEFAULT_ACK_TIMEOUT_MS, retryStrategy: RetryStrategy.ExponentialBackoff, maxRetries: DEFAULT_MAX_RETRIES };
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings };
}

/** The whole `twin_sync` section: group name → settings. */
export function parseTwinSync(raw: unknown, path = 'twin_sync'): { ok: true; groups: Record<string, TwinSyncSettings> } | { ok: false; problems: Problem[] } {
  if (!isJsonObject(raw)) return { ok: false, problems: [{ path, message: 'must map device groups to sync settings' }] };
  const groups: Record<string, TwinSyncSettings> = {};
  const problems: Problem[] = [];
  for (const [group, section] of Object.entries(raw)) {
    const parsed = parseTwinSyncSection(section, `${path}.${group}`);
    if (parsed.ok) groups[group] = parsed.settings;
    else problems.push(...parsed.problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, groups };
}

/** How long to wait before retry `attempt` (1-based) of re-sending desired. */
export function retryDelay(settings: NonNullable<TwinSyncSettings['acknowledgment']>, attempt: number): number {
  if (settings.retryStrategy === RetryStrategy.ExponentialBackoff) return settings.timeoutMs * 2 ** Math.max(0, attempt - 1);
  return settings.timeoutMs;
}

/** The telemetry field a mapping source names: `payload.a.b` → `a.b`; a bare name is the field itself. */
export function mappedField(source: string): string {
  return source.startsWith('payload.') ? source.slice('payload.'.length) : source;
}
