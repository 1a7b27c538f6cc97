// The closed set of ways a guest-agent command can fail. Probes branch on the class,
// never on message text; only the adapters (socket, virsh, libvirt) map raw failures
// onto these.

export type AgentErrorKind = 'timeout' | 'unavailable' | 'command' | 'protocol' | 'gone' | 'hypervisor';

export interface AgentErrorInfo {
  /** The guest (domain UUID or socket path) the command was for. */
  guest: string;
  /** The agent command, e.g. guest-exec. */
  command: string;
  detail: string;
}

export abstract class AgentError extends Error {
  abstract readonly kind: AgentErrorKind;
  readonly guest: string;
  readonly command: string;
  readonly detail: string;

  constructor(info: AgentErrorInfo, cause?: unknown) {
    super(`guest agent ${info.command} on ${info.guest}: ${info.detail}`, cause === undefined ? undefined : { cause });
    this.guest = info.guest;
    this.command = info.command;
    this.detail = info.detail;
  }
}

/** No reply within the command's timeout: the agent is hung, stopped or the guest is frozen. */
export class AgentTimeout extends AgentError {
  readonly kind = 'timeout' as const;
}

/** The agent cannot be reached at all (socket refused, agent not connected to libvirt). */
export class AgentUnavailable extends AgentError {
  readonly kind = 'unavailable' as const;
}

/** The agent answered with an error object, e.g. CommandNotFound for a blocked guest-exec. */
export class AgentCommandFailed extends AgentError {
  readonly kind = 'command' as const;
  /** The agent's error class (CommandNotFound, GenericError, ...), when the transport knows it. */
  readonly errorClass: string;

  constructor(info: AgentErrorInfo & { errorClass: string }, cause?: unknown) {
    super(info, cause);
    this.errorClass = info.errorClass;
  }
}

/** The reply was not valid guest-agent JSON: logged, the connection is resynchronised. */
export class AgentProtocolError extends AgentError {
  readonly kind = 'protocol' as const;
}

/** The domain no longer exists or is no longer running: skip it this cycle. */
export class DomainGone extends AgentError {
  readonly kind = 'gone' as const;
}

/** libvirt itself cannot be reached: says nothing about the guest, so nothing is published. */
export class HypervisorUnavailable extends AgentError {
  readonly kind = 'hypervisor' as const;
}

export function isAgentError(err: unknown): err is AgentError {
  return err instanceof AgentError;
}
