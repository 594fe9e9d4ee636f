import { describe, expect, it } from 'vitest';
import { createEventLog, fanOutReports, formatEvent } from './progress.js';

describe('formatEvent', () => {
  it('prints what was applied and how, in a fixed verb column', () => {
    expect(formatEvent({ type: 'applied', ref: 'statefulset/cassandra', result: 'created' })).toBe('applied   statefulset/cassandra (created)');
    expect(formatEvent({ type: 'applied', ref: 'job/keyspace-bootstrap', result: 'recreated', detail: 'its spec changed' })).toBe(
      'applied   job/keyspace-bootstrap (recreated: its spec changed)',
    );
  });

  it('says "validated" for a dry run, never "applied"', () => {
    expect(formatEvent({ type: 'applied', ref: 'deployment/digits', result: 'valid', detail: 'would change' })).toBe(
      'validated deployment/digits (dry run: would change)',
    );
  });

  it('shows ready counts while waiting, and completions for a Job', () => {
    expect(formatEvent({ type: 'waiting', ref: 'statefulset/cassandra', ready: 2, desired: 3 })).toBe('waiting   statefulset/cassandra: 2/3 ready');
    expect(formatEvent({ type: 'waiting', ref: 'job/keyspace-bootstrap', ready: 0, desired: 1, noun: 'complete', detail: '1 running' })).toBe(
      'waiting   job/keyspace-bootstrap: 0/1 complete (1 running)',
    );
  });

  it('reports repairs and generated secrets without any value', () => {
    expect(formatEvent({ type: 'repaired', ref: 'configmap/digits-config', how: 'reapplied' })).toBe(
      'repaired  configmap/digits-config (drifted: re-applied)',
    );
    expect(formatEvent({ type: 'secret', ref: 'secret/cassandra-app', result: 'generated' })).toBe(
      'secret    secret/cassandra-app (generated with random passwords)',
    );
  });
});

describe('createEventLog', () => {
  it('keeps events in order with their time, and fanOutReports feeds every report', () => {
    const a = createEventLog();
    const b = createEventLog();
    const report = fanOutReports(a.report, b.report);
    report({ type: 'phase', phase: 'cassandra' });
    report({ type: 'note', message: 'x' });
    expect(a.events.map((e) => e.type)).toEqual(['phase', 'note']);
    expect(b.events).toHaveLength(2);
    expect(a.events[1]!.atMs).toBeGreaterThanOrEqual(a.events[0]!.atMs);
  });
});
