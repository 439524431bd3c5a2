import { ErrorCode, TwinflowError } from '../../core/errors.ts';

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3). */
export const ConnackReturnCode = {
  Accepted: 0,
  UnacceptableProtocolVersion: 1,
  IdentifierRejected: 2,
  ServerUnavailable: 3,
  BadUsernameOrPassword: 4,
  NotAuthorized: 5,
} as const;
export type ConnackReturnCode = (typeof ConnackReturnCode)[keyof typeof ConnackReturnCode];

const reasons: Record<number, string> = {
  [ConnackReturnCode.UnacceptableProtocolVersion]: 'unacceptable protocol version',
  [ConnackReturnCode.IdentifierRejected]: 'client identifier rejected',
  [ConnackReturnCode.ServerUnavailable]: 'server unavailable',
  [ConnackReturnCode.BadUsernameOrPassword]: 'bad user name or password',
  [ConnackReturnCode.NotAuthorized]: 'not authorized',
};

/** The broker answered CONNECT with a refusal. */
export class ConnackRefusedError extends TwinflowError {
  readonly returnCode: number;
  readonly reason: string;

  constructor(url: string, returnCode: number) {
    const reason = reasons[returnCode] ?? `unknown return code ${returnCode}`;
    super(ErrorCode.BrokerFailure, `MQTT broker ${url} refused the connection: ${reason} (${returnCode})`);
    this.name = 'ConnackRefusedError';
    this.returnCode = returnCode;
    this.reason = reason;
  }

  /** Only "server unavailable" can go away by itself; the others need an operator. */
  get permanent(): boolean {
    return this.returnCode !== ConnackReturnCode.ServerUnavailable;
  }
}

/** The broker answered SUBSCRIBE with a failure (0x80) for one of the filters, usually an ACL. */
export class SubscriptionRefusedError extends TwinflowError {
  readonly topics: readonly string[];

  constructor(url: string, topics: readonly string[]) {
    super(ErrorCode.BrokerFailure, `MQTT broker ${url} refused the subscription to ${topics.join(', ')}`);
    this.name = 'SubscriptionRefusedError';
    this.topics = topics;
  }
}
