import type { MqttClient } from 'mqtt';
import type { Logger } from '../ports.ts';

export interface VirtualDeviceOptions {
  client: MqttClient;
  tenant: string;
  id: string;
  /** @default 'tf' */
  root?: string;
  logger: Logger;
  /** Epoch ms for reported-state timestamps. */
  now: () => number;
}

/**
 * A device that obeys commands (DESIGN §5.7): on `tf/{tenant}/{id}/commands/{name}` it answers `delivered`, applies
 * the command to its state, answers `succeeded` (or `rejected` for an expired one) on `…/commands/response`, and
 * reports its new state on `…/state/update`, so closed loops (command → plant → telemetry) can be exercised.
 * `set_<key>` with `{value}` sets state `key`; any other command is acknowledged with its params echoed.
 */
export class VirtualDevice {
  readonly state: Record<string, unknown> = {};
  readonly #o: VirtualDeviceOptions;
  readonly #prefix: string;

  constructor(options: VirtualDeviceOptions) {
    this.#o = options;
    this.#prefix = `${options.root ?? 'tf'}/${options.tenant}/${options.id}`;
  }

  async start(): Promise<void> {
    this.#o.client.on('message', (topic, payload) => {
      if (!topic.startsWith(`${this.#prefix}/commands/`) || topic.endsWith('/response')) return;
      this.#onCommand(topic.slice(this.#prefix.length + '/commands/'.length), payload);
    });
    await this.#o.client.subscribeAsync(`${this.#prefix}/commands/+`, { qos: 1 });
  }

  #onCommand(name: string, payload: Buffer): void {
    let cmd: { id?: string; params?: Record<string, unknown>; expiresAt?: number | string };
    try {
      cmd = JSON.parse(payload.toString()) as typeof cmd;
    } catch {
      this.#o.logger.warn({ name }, 'virtual device: command payload is not JSON');
      return;
    }
    if (typeof cmd.id !== 'string') return;
    const respond = (status: string, extra: Record<string, unknown> = {}) =>
      this.#o.client.publish(`${this.#prefix}/commands/response`, JSON.stringify({ id: cmd.id, status, ...extra }), { qos: 1 });
    const expires = typeof cmd.expiresAt === 'string' ? Date.parse(cmd.expiresAt) : cmd.expiresAt;
    if (typeof expires === 'number' && expires < this.#o.now()) {
      respond('rejected', { error: 'expired before it reached the device' });
      return;
    }
    respond('delivered');
    const params = cmd.params ?? {};
    if (name.startsWith('set_') && 'value' in params) {
      this.state[name.slice(4)] = params.value;
    } else {
      this.state[`last_${name}`] = params as never;
    }
    respond('succeeded', { result: { state: this.state } });
    this.#o.client.publish(`${this.#prefix}/state/update`, JSON.stringify({ state: { reported: this.state } }), { qos: 1 });
  }
}
