/** `visualize` through the real binary: formats, highlights, Graphviz, and usage errors. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli, json, ROOT } from '../support/cli.js';

interface Graph {
  machine: string;
  nodes: { id: string; type: string; terminal: boolean; reached?: boolean; current?: boolean }[];
  edges: { source: string; target: string; event: string; internal: boolean }[];
}

/** The ids a Mermaid `class A,B name` line puts in a class. */
function classMembers(mermaid: string, name: string): string[] {
  const line = mermaid.split('\n').find((l) => l.trim().startsWith('class ') && l.trim().endsWith(` ${name}`));
  return line ? line.trim().split(' ')[1].split(',') : [];
}

describe('visualize', () => {
  it('prints the onboarding machine as Mermaid by default, the diagram the docs embed', () => {
    const run = cli(['visualize']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(readFileSync(`${ROOT}/docs/onboarding.mmd`, 'utf8'));
    expect(cli(['visualize', 'session', '--format', 'mermaid']).stdout).toBe(
      readFileSync(`${ROOT}/docs/session.mmd`, 'utf8'),
    );
  });

  for (const machine of ['onboarding', 'session', 'evidence']) {
    it(`prints ${machine} as DOT that Graphviz accepts`, () => {
      const run = cli(['visualize', machine, '--format', 'dot']);
      expect(run.status).toBe(0);
      const dot = spawnSync('dot', ['-Tsvg'], { input: run.stdout, encoding: 'utf8' });
      expect(dot.stderr).toBe('');
      expect(dot.status).toBe(0);
      expect(dot.stdout).toContain('<svg');
    });
  }

  it('renders SVG through Graphviz', () => {
    const run = cli(['visualize', 'session', '--format', 'svg']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    expect(run.stdout).toContain('succeeded');
  });

  it('says how to install Graphviz when dot is missing, exit 1, nothing on stdout', () => {
    const run = cli(['visualize', '--format', 'svg'], { env: { PATH: '/nonexistent' } });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("needs Graphviz's `dot` program, which is not installed");
    expect(run.stderr).toContain('apt-get install graphviz');
  });

  it('prints a JSON graph of every state and transition', () => {
    const graph = json<Graph>(cli(['visualize', 'session', '--format', 'json']));
    expect(graph.machine).toBe('session');
    const ids = graph.nodes.map((node) => node.id);
    expect(ids).toContain('session.lifecycle.contradicted');
    expect(graph.nodes.filter((node) => node.terminal).map((node) => node.id)).toEqual([
      'session.lifecycle.succeeded',
      'session.lifecycle.failed',
      'session.lifecycle.contradicted',
    ]);
    expect(graph.edges).toContainEqual(
      expect.objectContaining({
        source: 'session.lifecycle.succeeded',
        target: 'session.lifecycle.contradicted',
        event: 'session-failed',
      }),
    );
    for (const edge of graph.edges) {
      expect(ids).toContain(edge.source);
      expect(ids).toContain(edge.target);
    }
  });

  it('highlights the states a recorded session passed through and where it is now', () => {
    const run = cli(['visualize', '--session', 'examples/review-reversed.jsonl']);
    expect(run.status).toBe(0);
    const current = classMembers(run.stdout, 'current');
    const reached = classMembers(run.stdout, 'reached');
    expect(current).toContain('onboarding_review_approved');
    expect(current).toContain('onboarding_progress_finished');
    for (const passed of [
      'onboarding_review_none',
      'onboarding_review_pendingReview',
      'onboarding_review_rejected',
      'onboarding_review_conflict',
    ]) {
      expect(reached).toContain(passed);
    }
    expect([...reached, ...current]).not.toContain('onboarding_secondId_validated');
    const graph = json<Graph>(cli(['visualize', '--format', 'json', '--session', 'examples/review-reversed.jsonl']));
    expect(graph.nodes.find((n) => n.id === 'onboarding.review.conflict')).toMatchObject({
      reached: true,
      current: false,
    });
    const dot = cli(['visualize', '--format', 'dot', '--session', 'examples/review-reversed.jsonl']).stdout;
    expect(dot).toMatch(/"onboarding\.review\.approved" \[[^\]]*fillcolor="#ffd54f"/);
  });

  it('asks for --id when the log holds several sessions, and uses it', () => {
    const run = cli(['visualize', '--session', 'examples/every-kind.jsonl']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('holds 2 sessions (a1, b2): choose one with --id');
    const chosen = cli(['visualize', 'evidence', '--session', 'examples/every-kind.jsonl', '--id', 'a1']);
    expect(chosen.status).toBe(0);
    expect(classMembers(chosen.stdout, 'current')).toContain('evidence_ineScraping_finished');
    const unknown = cli(['visualize', '--session', 'examples/every-kind.jsonl', '--id', 'zz']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no session zz');
  });

  it('draws transitions that only record evidence with --internal', () => {
    const plain = cli(['visualize', 'evidence', '--format', 'dot']).stdout;
    const internal = cli(['visualize', 'evidence', '--format', 'dot', '--internal']).stdout;
    const loop = '"evidence.faceAuthentication.succeeded" -> "evidence.faceAuthentication.succeeded"';
    expect(plain).not.toContain(loop);
    expect(internal).toContain(loop);
  });

  it('rejects an unknown machine or format with exit 2', () => {
    for (const [args, message] of [
      [['visualize', 'payments'], 'unknown machine "payments": expected one of onboarding, session, evidence'],
      [['visualize', '--format', 'png'], 'unknown format "png": expected one of mermaid, dot, svg, json'],
      [['visualize', '--id', 'a1'], '--id needs --session LOG'],
    ] as const) {
      const run = cli(args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(message);
    }
  });
});
