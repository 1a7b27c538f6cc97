// Gnocchi client: batch measures (how the probe agent publishes), resources and
// archive policies.
import type { KeystoneSession } from './session.ts';

export interface Measure {
  /** ISO 8601 timestamp or epoch seconds. */
  timestamp: string | number;
  value: number;
}

/** {resource id: {metric name: measures | {measures, archive_policy_name?, unit?}}} */
export type BatchMeasures = Record<
  string,
  Record<string, Measure[] | { measures: Measure[]; archive_policy_name?: string; unit?: string }>
>;

export interface ArchivePolicy {
  name: string;
  back_window?: number;
  aggregation_methods?: string[];
  definition: { granularity: string | number; points?: number; timespan?: string | number }[];
}

/** Maps metric names (fnmatch pattern) to the archive policy new metrics get. */
export interface ArchivePolicyRule {
  name: string;
  metric_pattern: string;
  archive_policy_name: string;
}

export class GnocchiClient {
  constructor(private readonly session: KeystoneSession) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, context?: Record<string, unknown>): Promise<T> {
    const res = await this.session.request<T>('metric', { service: 'gnocchi', method, path, body, context });
    return res.body;
  }

  /** Posts measures for many resources at once; creates missing metrics on existing resources. */
  async batchResourceMeasures(batch: BatchMeasures, createMetrics = true): Promise<void> {
    await this.call('POST', `/v1/batch/resources/metrics/measures?create_metrics=${createMetrics ? 'true' : 'false'}`, batch, {
      resources: Object.keys(batch).length,
    });
  }

  async getResource(type: string, id: string): Promise<Record<string, unknown>> {
    return this.call('GET', `/v1/resource/${encodeURIComponent(type)}/${encodeURIComponent(id)}`, undefined, { resource_id: id });
  }

  async getArchivePolicy(name: string): Promise<ArchivePolicy> {
    return this.call('GET', `/v1/archive_policy/${encodeURIComponent(name)}`);
  }

  async createArchivePolicy(policy: ArchivePolicy): Promise<ArchivePolicy> {
    return this.call('POST', '/v1/archive_policy', policy);
  }

  /** Archive-policy rules in Gnocchi's order (metric_pattern descending); the first match wins. */
  async listArchivePolicyRules(): Promise<ArchivePolicyRule[]> {
    return this.call('GET', '/v1/archive_policy_rule');
  }

  /** 201 with the rule; 409 (Conflict) if the name exists. Admin only. */
  async createArchivePolicyRule(rule: ArchivePolicyRule): Promise<ArchivePolicyRule> {
    return this.call('POST', '/v1/archive_policy_rule', rule, { rule: rule.name });
  }
}
