/**
 * The unit every part of the replay agrees on: one item to send, and what came back. Sources
 * produce items, load generators produce samples, the recorder folds samples into counts.
 */

/** One request body and what the answer should be. */
export interface ReplayItem {
  /** Position in the source (MNIST test index, or position in the recorded snapshot). */
  readonly sourceIndex: number;
  /** The encoded image, sent as the raw request body. */
  readonly body: Uint8Array;
  readonly contentType: string;
  /** True label (MNIST label, or the user's feedback on a recorded prediction); null if unknown. */
  readonly label: number | null;
  /** What the recorded prediction answered (recorded traffic only); null for MNIST. */
  readonly recordedDigit: number | null;
}

export interface LoadedSource {
  /** Number of items in the whole source (request k sends item k mod size). */
  readonly size: number;
  /** The items this shard needs, by source index. */
  readonly items: ReadonlyMap<number, ReplayItem>;
}

/** What one request returned. `status` is the HTTP status, or 'network' when no response came. */
export interface Outcome {
  readonly status: number | 'network';
  /** Id of the recorded prediction (201 only). */
  readonly id?: string | undefined;
  readonly digit?: number | undefined;
  readonly modelVersion?: string | undefined;
  /** Short reason for a network error or an unreadable 201 body. */
  readonly error?: string | undefined;
}

/** The status that counts as success for POST /api/predictions. */
export const CREATED = 201;

/** One finished request, with epoch-millisecond times (sub-millisecond resolution). */
export interface Sample {
  /** Global request index k (see plan.ts). */
  readonly requestIndex: number;
  readonly item: ReplayItem;
  /** When the request was due: t0 + k/R in open loop; equal to startedAtMs in closed loop. */
  readonly scheduledAtMs: number;
  /** When the client actually started sending it. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly outcome: Outcome;
}

/** Sends one item; never rejects (failures are outcomes). */
export type SendItem = (item: ReplayItem) => Promise<Outcome>;

/** Epoch milliseconds with sub-millisecond resolution (Date.now() only has whole ms). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
