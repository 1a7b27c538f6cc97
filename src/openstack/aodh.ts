// Aodh client: alarm CRUD, list with q.* filters, and alarm state.
import type { KeystoneSession } from './session.ts';

export type AlarmState = 'ok' | 'alarm' | 'insufficient data';

/** An alarm as Aodh returns it; vmha reads a few fields and passes the rest through. */
export interface Alarm {
  alarm_id: string;
  name: string;
  type: string;
  state: AlarmState;
  severity: string;
  enabled: boolean;
  alarm_actions: string[];
  ok_actions: string[];
  insufficient_data_actions: string[];
  repeat_actions: boolean;
  project_id: string;
  user_id: string;
  description?: string;
  state_reason?: string;
  state_timestamp?: string;
  timestamp?: string;
  [rule: string]: unknown;
}

/** The fields Aodh's list filter accepts (only the `eq` operator exists). */
export type AlarmFilterField =
  | 'all_projects'
  | 'user_id'
  | 'project_id'
  | 'type'
  | 'name'
  | 'enabled'
  | 'state'
  | 'severity'
  | 'timestamp'
  | 'repeat_actions';

export class AodhClient {
  constructor(private readonly session: KeystoneSession) {}

  private async call<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, context?: Record<string, unknown>): Promise<T> {
    const res = await this.session.request<T>('alarming', { service: 'aodh', method, path, body, context });
    return res.body;
  }

  async create(body: Record<string, unknown>): Promise<Alarm> {
    return this.call<Alarm>('POST', '/v2/alarms', body, { alarm_name: body.name });
  }

  async get(id: string): Promise<Alarm> {
    return this.call<Alarm>('GET', `/v2/alarms/${encodeURIComponent(id)}`, undefined, { alarm_id: id });
  }

  /** Full replacement (Aodh's PUT), as the API defines it. */
  async update(id: string, body: Record<string, unknown>): Promise<Alarm> {
    return this.call<Alarm>('PUT', `/v2/alarms/${encodeURIComponent(id)}`, body, { alarm_id: id });
  }

  async delete(id: string): Promise<void> {
    await this.call('DELETE', `/v2/alarms/${encodeURIComponent(id)}`, undefined, { alarm_id: id });
  }

  /** Lists alarms matching every filter (q.field/q.op=eq/q.value triples). */
  async list(filters: Partial<Record<AlarmFilterField, string | boolean>> = {}): Promise<Alarm[]> {
    const q = new URLSearchParams();
    for (const [field, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      q.append('q.field', field);
      q.append('q.op', 'eq');
      q.append('q.value', String(value));
    }
    const qs = q.size ? `?${q}` : '';
    return this.call<Alarm[]>('GET', `/v2/alarms${qs}`);
  }

  async getState(id: string): Promise<AlarmState> {
    return this.call<AlarmState>('GET', `/v2/alarms/${encodeURIComponent(id)}/state`, undefined, { alarm_id: id });
  }

  async setState(id: string, state: AlarmState): Promise<AlarmState> {
    // The state endpoint takes a bare JSON string.
    return this.call<AlarmState>('PUT', `/v2/alarms/${encodeURIComponent(id)}/state`, JSON.stringify(state), { alarm_id: id });
  }
}
