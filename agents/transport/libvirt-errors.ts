// Maps libvirt errors (virErrorNumber) to the transport's closed set. libvirt reports an
// agent's own error reply as VIR_ERR_INTERNAL_ERROR with the agent's text and no class.
import { AgentCommandFailed, AgentProtocolError, AgentTimeout, AgentUnavailable, DomainGone, HypervisorUnavailable, type AgentError } from './errors.ts';

export const VIR_ERR = {
  INTERNAL_ERROR: 1,
  NO_SUPPORT: 3,
  NO_CONNECT: 5,
  SYSTEM_ERROR: 38,
  RPC: 39,
  NO_DOMAIN: 42,
  OPERATION_INVALID: 55,
  OPERATION_TIMEOUT: 68,
  AGENT_UNRESPONSIVE: 86,
  AGENT_UNSYNCED: 97,
} as const;

/** The AgentError for a libvirt error code. */
export function agentErrorFromLibvirt(code: number, info: { guest: string; command: string; detail: string }): AgentError {
  switch (code) {
    case VIR_ERR.NO_DOMAIN:
      return new DomainGone(info);
    case VIR_ERR.NO_CONNECT:
    case VIR_ERR.SYSTEM_ERROR:
    case VIR_ERR.RPC:
      return new HypervisorUnavailable(info);
    case VIR_ERR.OPERATION_TIMEOUT:
      return new AgentTimeout(info);
    case VIR_ERR.AGENT_UNSYNCED:
      return new AgentProtocolError(info);
    case VIR_ERR.INTERNAL_ERROR:
      return new AgentCommandFailed({ ...info, errorClass: 'unknown' });
    // AGENT_UNRESPONSIVE: not connected, or no reply within the timeout ("not available for
    // now"); OPERATION_INVALID: the domain is not running (paused, shutting down).
    default:
      return new AgentUnavailable(info);
  }
}
