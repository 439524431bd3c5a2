import type { Command } from './command.ts';
import { CommandStatus } from './status.ts';

/** What the engine should do now for one device, and when to look again. */
export interface DevicePlan {
  /** Ids to expire, in queue order. */
  expire: string[];
  /** Ids whose attempt has run out of time. */
  timeout: string[];
  /** Ids to send now, in the order they must go out. */
  send: string[];
  /** The earliest time something becomes due (a retry wait, a deadline, an expiry); undefined when nothing will. */
  wakeAt?: number;
}

const inFlight = (c: Command): boolean => c.status === CommandStatus.Sent || c.status === CommandStatus.Delivered;

/**
 * Queue order of one device: a command already attempted holds the head (a retry never loses its place to a later
 * command), then higher priority, then creation order.
 */
export function queueOrder(a: Command, b: Command): number {
  const started = Number(b.attempts > 0) - Number(a.attempts > 0);
  return started !== 0 ? started : b.priority - a.priority || a.seq - b.seq;
}

/**
 * The per-device scheduler, pure: given the device's unfinished commands, whether it is reachable and the time,
 * which commands expire, time out or go out now. Ordered commands go one at a time: the next only once the one
 * before is final, so a device never sees command n+1 before n is done.
 */
export function planDevice(commands: Iterable<Command>, now: number, online: boolean): DevicePlan {
  const plan: DevicePlan = { expire: [], timeout: [], send: [] };
  const wake = (at: number | undefined): void => {
    if (at !== undefined && (plan.wakeAt === undefined || at < plan.wakeAt)) plan.wakeAt = at;
  };
  const waiting: Command[] = [];
  let orderedBusy = false;
  for (const c of commands) {
    if (inFlight(c)) {
      if (c.deadline !== undefined && c.deadline <= now) plan.timeout.push(c.id);
      else wake(c.deadline);
      if (c.ordered) orderedBusy = true;
    } else if (c.status === CommandStatus.Queued) {
      if (c.expiresAt !== undefined && c.expiresAt <= now) plan.expire.push(c.id);
      else {
        wake(c.expiresAt);
        waiting.push(c);
      }
    }
  }
  waiting.sort(queueOrder);
  if (!online) return plan;
  for (const c of waiting) {
    if (c.ordered && orderedBusy) continue;
    if (c.notBefore !== undefined && c.notBefore > now) {
      wake(c.notBefore);
      // The head of the ordered line waits for its retry; those behind it wait for the head.
      if (c.ordered) orderedBusy = true;
      continue;
    }
    plan.send.push(c.id);
    if (c.ordered) orderedBusy = true;
  }
  return plan;
}
