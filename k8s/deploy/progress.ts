/** What applying one object did. "valid" is a server-side dry run that the API server accepted. */
export type ApplyResult = 'created' | 'configured' | 'unchanged' | 'recreated' | 'valid';

/** What applying one object did (applyObject, applyJob). */
export interface ApplyOutcome {
  readonly result: ApplyResult;
  readonly detail?: string;
  /** Nothing to wait for: the object is known to have finished already (a Job removed by its TTL). */
  readonly settled?: boolean;
}

/**
 * Everything the deployer tells a person, as data: the CLI prints it, tests read it as the
 * deployer's event log (e.g. to check that the app was applied only after the Job succeeded).
 */
export type DeployEvent =
  | { readonly type: 'phase'; readonly phase: string }
  | { readonly type: 'applied'; readonly ref: string; readonly result: ApplyResult; readonly detail?: string }
  | { readonly type: 'secret'; readonly ref: string; readonly result: 'generated' | 'kept' | 'valid' | 'missing' }
  | {
      readonly type: 'waiting';
      readonly ref: string;
      readonly ready: number;
      readonly desired: number;
      /** What the count counts: ready replicas, or a Job's completions. @default 'ready' */
      readonly noun?: 'ready' | 'complete';
      readonly detail?: string;
    }
  | { readonly type: 'ready'; readonly ref: string; readonly detail: string }
  | { readonly type: 'pruned'; readonly ref: string; readonly dryRun: boolean }
  | { readonly type: 'repaired'; readonly ref: string; readonly how: 'recreated' | 'reapplied' }
  | { readonly type: 'note'; readonly message: string };

/** An event with the moment it happened (ms since the epoch). */
export type TimedEvent = DeployEvent & { readonly atMs: number };

/** Where the deployer sends its events. */
export type Report = (event: DeployEvent) => void;

/** One line for a person: a verb column, then what and how. */
export function formatEvent(event: DeployEvent): string {
  switch (event.type) {
    case 'phase':
      return `== ${event.phase}`;
    case 'applied':
      if (event.result === 'valid') return `validated ${event.ref} (dry run${event.detail ? `: ${event.detail}` : ''})`;
      return `applied   ${event.ref} (${event.result}${event.detail ? `: ${event.detail}` : ''})`;
    case 'secret':
      return `secret    ${event.ref} (${secretWords[event.result]})`;
    case 'waiting':
      return `waiting   ${event.ref}: ${event.ready}/${event.desired} ${event.noun ?? 'ready'}${event.detail ? ` (${event.detail})` : ''}`;
    case 'ready':
      return `ready     ${event.ref}: ${event.detail}`;
    case 'pruned':
      return `pruned    ${event.ref}${event.dryRun ? ' (dry run: would be deleted)' : ''}`;
    case 'repaired':
      return `repaired  ${event.ref} (${event.how === 'recreated' ? 'was deleted: recreated' : 'drifted: re-applied'})`;
    case 'note':
      return `note      ${event.message}`;
  }
}

const secretWords = {
  generated: 'generated with random passwords',
  kept: 'exists: kept as is',
  valid: 'would be generated (dry run)',
  missing: 'missing: not regenerated, its passwords are already in Cassandra',
} as const;

/** A Report that writes one line per event to a stream (stdout for the CLI). */
export function createStreamReporter(stream: NodeJS.WritableStream): Report {
  return (event) => {
    stream.write(`${formatEvent(event)}\n`);
  };
}

/** A Report that keeps every event with its time, for tests and summaries. */
export function createEventLog(): { readonly events: TimedEvent[]; readonly report: Report } {
  const events: TimedEvent[] = [];
  return { events, report: (event) => events.push({ ...event, atMs: Date.now() }) };
}

/** Sends every event to each report in turn. */
export function fanOutReports(...reports: Report[]): Report {
  return (event) => {
    for (const report of reports) report(event);
  };
}
