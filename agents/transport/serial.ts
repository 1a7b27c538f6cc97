/** Runs tasks one after another, whatever the previous one's outcome: a guest agent answers one command at a time. */
export class OneAtATime {
  private chain: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task, task);
    this.chain = result.catch(() => undefined);
    return result;
  }
}
