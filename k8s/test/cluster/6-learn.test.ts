import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Condition, DigitModel } from '../../controller/digit-model.js';
import { MODEL_LABEL } from '../../controller/job-manifest.js';
import type { KubeObject } from '../../deploy/kube-object.js';
import { DIGIT_MODEL_API_VERSION } from '../../lib/digit-model-crd.js';
import { until } from '../controller/controller-fixture.js';
import { REPO_ROOT } from '../deploy/local-cluster.js';
import { correct, getJson, postDrawing, startTraffic, type Answer, type ServingModels, type TrafficLoop } from './support/digits-api.js';
import { clusterClients, ensureRelease, NAMESPACE } from './support/cluster.js';
import { isHeldOut, mirroredThrees, ordinaryDigits } from './support/mirrored-digits.js';
import { portForward, type PortForward } from './support/port-forward.js';

/**
 * Issue 13's loop on the release, in real pods: a class of drawings the serving model gets wrong
 * (MNIST 3s written backwards, read as 8), predicted and corrected by users through the API;
 * then the DigitModel custom resource asks for a retrain and the controller runs it all as Jobs
 * on the real nodes (retrain; gates and a weighted canary; promotion), while ordinary drawings
 * keep coming through the Service. The candidate serves at the end, the held-out corrections of
 * the class go from mostly wrong to mostly right, MNIST stays >= 99.3%, no request fails.
 */

const CORRECTED = 200;
const MODEL = 'digits';
/** Short on purpose: ~6,000 MNIST examples x 2 epochs fine-tunes the dense layers in about a minute in a pod. */
const RETRAIN = { epochs: 2, seed: 7, mnistSample: 6000 };
/** The floor is 99.3% on MNIST; the committed model scores 99.50%, so a 0.2-point drop is the most it may lose. */
/**
 * p99 here is of requests through the Service, on 2 cores shared by 3 Cassandra pods, 2 app
 * pods, the control plane and this test's background traffic: 3-replay sees p99s over 1 s.
 * Candidate and active measured 30-81 ms in the same replay, the candidate up to 1.2x the
 * active; at 100 ms a slow moment of the machine could reject a good candidate. 1 s still
 * rejects a candidate that is slow itself; the gate's arithmetic is unit-tested (gates.test.ts).
 */
const GATES = { maxMnistDrop: 0.002, maxP99Ms: 1000 };
const CANARY = { weight: 0.5, durationSeconds: 45 };
const ARTIFACTS = path.join(REPO_ROOT, '.artifacts/cluster');

const ref = { apiVersion: DIGIT_MODEL_API_VERSION, kind: 'DigitModel', metadata: { name: MODEL, namespace: NAMESPACE } };

interface Corrected {
  readonly png: Buffer;
  readonly answer: Answer;
}

function conditionOf(model: DigitModel, type: string): Condition | undefined {
  return model.status?.conditions?.find((c) => c.type === type);
}

function jobSeconds(job: V1Job): number {
  return (new Date(job.status!.completionTime!).getTime() - new Date(job.status!.startTime!).getTime()) / 1000;
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

describe('learning from corrections through the DigitModel, in real pods', () => {
  const clients = clusterClients();
  let tunnel: PortForward;
  let traffic: TrafficLoop | undefined;
  let committed: string;
  let corrected: Corrected[] = [];
  const timeline: { atMs: number; what: string }[] = [];

  const readModel = async () => (await clients.objects.get(ref)) as unknown as DigitModel | null;
  const serving = () => getJson<ServingModels>(tunnel.url, '/api/models');
  /** Waits until the controller has finished the model's current spec; fails on the way to any other final phase. */
  const waitForPhase = async (phase: string, generation: number, timeoutMs: number): Promise<DigitModel> => {
    let last = '';
    return until(`DigitModel ${MODEL} generation ${generation} is ${phase}`, async () => {
      const model = await readModel();
      const now = model?.status?.observedGeneration === generation ? model.status.phase ?? '' : '';
      if (now !== last) timeline.push({ atMs: Date.now(), what: `phase ${now || '(not observed yet)'}` });
      last = now;
      if (now !== '' && now !== phase && ['Succeeded', 'Rejected', 'RolledBack', 'Failed'].includes(now)) {
        throw new Error(`DigitModel ${MODEL} ended ${now}, not ${phase}: ${JSON.stringify(model!.status, null, 2)}`);
      }
      await sleep(800);
      return now === phase ? model : null;
    }, timeoutMs);
  };

  beforeAll(async () => {
    await ensureRelease();
    // The deploy may have rolled the app (4-faults leaves it on another tag): the tunnel goes to a
    // pod that stays, not to one still draining.
    await until('the app runs 2 pods, none terminating', async () => {
      const pods = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/component=app' })).items;
      const ready = pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return pods.length === 2 && ready.length === 2 && pods.every((p) => !p.metadata?.deletionTimestamp);
    }, 300_000);
    tunnel = await portForward();
    // A DigitModel of an earlier run (the same cluster, run again by hand) starts over.
    if (await clients.objects.delete(ref)) await until('the old DigitModel is gone', async () => (await readModel()) === null, 60_000);
  });

  afterAll(async () => {
    await traffic?.stop();
    tunnel?.stop();
  });

  it('makes the serving version active through the custom resource (a promote Job in a real pod)', async () => {
    const before = await serving();
    // The version the service seeded its registry with: the committed model, the one without a parent.
    committed = before.versions.find((v) => v.parent === null || v.parent === undefined)!.version;
    // A run on a fresh release finds it active already; a second run on the same cluster comes back to it.
    const created = (await clients.objects.create({ ...ref, spec: { version: committed } } as KubeObject)) as unknown as DigitModel;
    const model = await waitForPhase('Succeeded', created.metadata.generation, 600_000);
    expect(model.status).toMatchObject({ activeVersion: committed, jobs: { promote: `${MODEL}-promote-g${created.metadata.generation}` } });
    expect(conditionOf(model, 'Ready')).toMatchObject({ status: 'True', reason: 'Promoted' });
    await until(`the service answers from ${committed}`, async () => {
      const state = await serving();
      return state.active === committed && state.canary === null;
    }, 60_000);
  });

  it(`takes ${CORRECTED} drawings of a class the model misreads, and their corrections, through the API`, async () => {
    const pngs = await mirroredThrees(CORRECTED);
    for (const png of pngs) {
      const answer = await postDrawing(tunnel.url, png);
      expect(answer.status).toBe(201);
      expect(answer.modelVersion).toBe(committed);
      expect(await correct(tunnel.url, answer.id, 3)).toBe(200);
      corrected.push({ png, answer });
    }
    const wrong = corrected.filter((c) => c.answer.digit !== 3).length;
    const heldOut = corrected.filter((c) => isHeldOut(c.answer.id));
    const heldOutWrong = heldOut.filter((c) => c.answer.digit !== 3).length;
    console.log(`${committed}: ${wrong}/${CORRECTED} mirrored 3s answered wrong (${heldOutWrong}/${heldOut.length} of the held-out ones), all corrected to 3`);
    expect(share(wrong, CORRECTED)).toBeGreaterThan(0.8);
    expect(heldOut.length).toBeGreaterThanOrEqual(20);
    expect(share(heldOutWrong, heldOut.length)).toBeGreaterThan(0.8);
  });

  let promoted: DigitModel;
  it('retrains, gates, canaries and promotes the candidate when the DigitModel asks for a retrain, failing no request on the way', async () => {
    const everyday = await ordinaryDigits(200);
    traffic = startTraffic(tunnel.url, everyday);
    const startedMs = Date.now();
    timeline.push({ atMs: startedMs, what: 'spec.retrain set' });
    const patched = (await clients.objects.mergePatch(ref as KubeObject, { spec: { version: null, retrain: RETRAIN, gates: GATES, canary: CANARY } }, 'cluster-test')) as unknown as DigitModel;
    const generation = patched.metadata.generation;

    // What users see while the controller works: the canary, then the candidate alone.
    let sawCanary: ServingModels['canary'] = null;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const state = await serving().catch(() => null);
        if (state?.canary && sawCanary === null) {
          sawCanary = state.canary;
          timeline.push({ atMs: Date.now(), what: `service: canary ${state.canary.version} at ${state.canary.weight}` });
        }
        await sleep(1000);
      }
    })();
    try {
      promoted = await waitForPhase('Succeeded', generation, 1_200_000);
    } finally {
      watching = false;
      await watcher;
    }
    const status = promoted.status!;
    const candidate = status.candidateVersion!;
    await until(`the service answers from ${candidate} alone`, async () => {
      const state = await serving();
      return state.active === candidate && state.canary === null;
    }, 60_000);
    // Past the switch on the pod behind the tunnel (it polls the serving state every 2 s).
    await until(`answers come from ${candidate}`, async () => (await postDrawing(tunnel.url, everyday[0]!.png)).modelVersion === candidate, 60_000);
    const totals = await traffic.stop();
    traffic = undefined;
    timeline.push({ atMs: Date.now(), what: 'background traffic stopped' });

    const jobs = await Promise.all((['retrain', 'canary'] as const).map((step) => clients.batch.readNamespacedJob({ name: status.jobs![step]!, namespace: NAMESPACE })));
    const [retrainJob, canaryJob] = jobs as [V1Job, V1Job];
    const figures = status.figures as { retrain: Record<string, number | string>; canary: { decision: string; gate?: { decision: string; figures: Record<string, number | string | null> }; canary?: Record<string, number> } };
    const report = {
      model: status,
      retrainJobSeconds: jobSeconds(retrainJob),
      canaryJobSeconds: jobSeconds(canaryJob),
      specToPromotedSeconds: (Date.now() - startedMs) / 1000,
      background: { ...totals, failures: totals.failures.slice(0, 20) },
      canarySeenByService: sawCanary,
      timeline: timeline.map((t) => `+${((t.atMs - startedMs) / 1000).toFixed(1)}s ${t.what}`),
    };
    await mkdir(ARTIFACTS, { recursive: true });
    await writeFile(path.join(ARTIFACTS, 'learn-from-corrections.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify({ ...report, model: undefined, retrain: figures.retrain, gate: figures.canary.gate?.figures, canary: figures.canary.canary }, null, 2));

    // The custom resource: each step ran as its Job, for this generation, and the candidate serves.
    expect(status).toMatchObject({ phase: 'Succeeded', observedGeneration: generation, activeVersion: candidate });
    expect(status.jobs).toEqual({ retrain: `${MODEL}-retrain-g${generation}`, canary: `${MODEL}-canary-g${generation}` });
    expect(candidate).not.toBe(committed);
    expect(conditionOf(promoted, 'Retrained')).toMatchObject({ status: 'True', reason: 'CandidatePublished' });
    expect(conditionOf(promoted, 'Ready')).toMatchObject({ status: 'True', reason: 'Promoted' });
    expect(conditionOf(promoted, 'Progressing')).toMatchObject({ status: 'False', reason: 'Succeeded' });
    for (const job of jobs) expect(job.status?.succeeded, job.metadata!.name).toBe(1);

    // The retrain's own figures: learnt the class on the held-out corrections, kept MNIST.
    expect(figures.retrain).toMatchObject({ version: candidate, parent: committed, published: true });
    expect(Number(figures.retrain.corrections) + Number(figures.retrain.heldOutCorrections)).toBeGreaterThanOrEqual(CORRECTED);
    expect(figures.retrain.heldOutCorrections).toBeGreaterThanOrEqual(20);
    expect(figures.retrain.parentHeldOutCorrectionAccuracy).toBeLessThan(0.2);
    expect(figures.retrain.heldOutCorrectionAccuracy).toBeGreaterThan(0.8);
    expect(figures.retrain.mnistTestAccuracy).toBeGreaterThanOrEqual(0.993);
    // The gates passed it on the same figures, and the canary showed it to live traffic.
    expect(figures.canary).toMatchObject({ decision: 'promoted', gate: { decision: 'gate-passed' } });
    // Agreement and p99 came from a shadow replay of the recorded traffic through the app's
    // Service (the controller passes its URL to the canary Job), not from in-process calls.
    expect(figures.canary.gate!.figures).toMatchObject({
      agreementMeasuredBy: 'service', p99MeasuredBy: 'service', serviceUrl: 'http://digits:80', candidateFailures: 0, activeFailures: 0,
    });
    expect(figures.canary.gate!.figures.recordedInputs).toBeGreaterThanOrEqual(50);
    expect(figures.canary.canary!.canaryPredictions).toBeGreaterThanOrEqual(20);
    expect(sawCanary).toEqual({ version: candidate, weight: CANARY.weight });

    // Users: no request failed, and both versions answered some of them.
    expect(totals.failures).toEqual([]);
    expect(totals.requests).toBeGreaterThan(200);
    expect(totals.byVersion[committed]).toBeGreaterThan(0);
    expect(totals.byVersion[candidate]).toBeGreaterThan(0);
    expect(share(totals.right, totals.requests)).toBeGreaterThan(0.98);
  });

  it('now answers the held-out drawings of the class right, as the registry records the decisions', async () => {
    const candidate = promoted.status!.activeVersion!;
    const heldOut = corrected.filter((c) => isHeldOut(c.answer.id));
    const again = [];
    for (const c of heldOut) again.push(await postDrawing(tunnel.url, c.png));
    const before = heldOut.filter((c) => c.answer.digit === 3).length;
    const after = again.filter((a) => a.status === 201 && a.modelVersion === candidate && a.digit === 3).length;
    console.log(`held-out drawings of the class: ${before}/${heldOut.length} right from ${committed} before, ${after}/${heldOut.length} from ${candidate} after`);
    expect(share(before, heldOut.length)).toBeLessThan(0.2);
    expect(share(after, heldOut.length)).toBeGreaterThan(0.8);

    const { card, decisions } = await getJson<{ card: { parent: string; data: { corrections: number; heldOutCorrections: number } }; decisions: { kind: string }[] }>(tunnel.url, `/api/models/${candidate}`);
    const retrain = (promoted.status!.figures as { retrain: { corrections: number; heldOutCorrections: number } }).retrain;
    expect(card).toMatchObject({ parent: committed, data: { corrections: retrain.corrections, heldOutCorrections: retrain.heldOutCorrections } });
    expect(decisions.map((d) => d.kind)).toEqual(expect.arrayContaining(['published', 'gate-passed', 'canary-started', 'promoted']));
    // Each step ran in a pod of its own on a real node (not a KWOK stand-in), and its command exited 0.
    const pods = (await clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${MODEL_LABEL}=${MODEL}` })).items;
    const steps = Object.values(promoted.status!.jobs!);
    for (const job of steps) {
      const pod = pods.find((p) => p.metadata!.labels?.['job-name'] === job);
      expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, job).toBe(0);
      const node = await clients.core.readNode({ name: pod!.spec!.nodeName! });
      expect(node.metadata!.annotations?.['kwok.x-k8s.io/node'], `${job} on ${node.metadata!.name}`).toBeUndefined();
    }
  });
});
