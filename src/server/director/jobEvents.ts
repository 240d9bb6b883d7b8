import type { JobEvent } from "../../core/schemas/index.js";

type Listener = (event: JobEvent) => void;

/** In-process fan-out of job events to SSE connections. The ledger keeps the history. */
export class JobEvents {
  private readonly listeners = new Map<string, Set<Listener>>();

  subscribe(jobId: string, listener: Listener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    };
  }

  emit(jobId: string, event: JobEvent): void {
    for (const listener of this.listeners.get(jobId) ?? []) {
      try {
        listener(event);
      } catch {
        // A broken connection must not stop the job or other listeners.
      }
    }
  }
}
