/** The command status machine (DESIGN §4): queued → sent → delivered → succeeded | failed | rejected, plus timed_out, expired, cancelled. */

export const CommandStatus = {
  Queued: 'queued',
  Sent: 'sent',
  Delivered: 'delivered',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Rejected: 'rejected',
  TimedOut: 'timed_out',
  Expired: 'expired',
  Cancelled: 'cancelled',
} as const;
export type CommandStatus = (typeof CommandStatus)[keyof typeof CommandStatus];

export const FINAL_STATUSES: ReadonlySet<CommandStatus> = new Set<CommandStatus>([
  CommandStatus.Succeeded,
  CommandStatus.Failed,
  CommandStatus.Rejected,
  CommandStatus.TimedOut,
  CommandStatus.Expired,
  CommandStatus.Cancelled,
]);

export const isFinal = (status: CommandStatus): boolean => FINAL_STATUSES.has(status);

/** What a device may answer on `…/commands/response`. */
export const ResponseStatus = {
  Delivered: CommandStatus.Delivered,
  Succeeded: CommandStatus.Succeeded,
  Failed: CommandStatus.Failed,
  Rejected: CommandStatus.Rejected,
} as const;
export type ResponseStatus = (typeof ResponseStatus)[keyof typeof ResponseStatus];

export const isResponseStatus = (value: unknown): value is ResponseStatus =>
  value === 'delivered' || value === 'succeeded' || value === 'failed' || value === 'rejected';

export const isCommandStatus = (value: unknown): value is CommandStatus =>
  typeof value === 'string' && (Object.values(CommandStatus) as string[]).includes(value);
