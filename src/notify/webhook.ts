// A generic JSON webhook for chat tools: `text` is what Slack, Mattermost and
// Rocket.Chat incoming webhooks display; the other fields are for anything that parses.
import type { WebhookChannelConfig } from '../config/notify-schema.ts';
import type { Channel, OutgoingMessage } from './channel.ts';
import { deliverHttp } from './http-post.ts';

export class WebhookChannel implements Channel {
  readonly type = 'webhook' as const;

  constructor(
    readonly name: string,
    private readonly config: WebhookChannelConfig,
    private readonly timeoutMs: number,
  ) {}

  async send(m: OutgoingMessage): Promise<void> {
    const severity = m.severity === 'info' ? '' : `${m.severity.toUpperCase()}: `;
    const body = {
      text: `*vmha* ${severity}${m.subject}${m.items.length > 1 || m.text.includes('\n') ? `\n\`\`\`\n${m.text.trimEnd()}\n\`\`\`` : ''}`,
      id: m.id,
      severity: m.severity,
      subject: m.subject,
      events: m.items,
    };
    await deliverHttp({
      url: this.config.url,
      method: 'POST',
      timeoutMs: this.timeoutMs,
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': m.id, ...this.config.headers },
      body: JSON.stringify(body),
    });
  }

  close(): void {}
}
