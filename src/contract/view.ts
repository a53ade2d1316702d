/**
 * The session view as a schema: what `GET /sessions/{id}`, `replay --json` and `Ledger.view`
 * answer (docs/spec.md#the-session-view). `schemas/session-view.schema.json` is generated from it.
 */

import { z } from 'zod';
import { DECISIONS } from '../core/view.js';
import { SEVERITY } from '../records/anomaly.js';
import type { AnomalyCode } from '../types.js';
import { MODULE_NAMES } from '../vendor/modules.js';
import { ONBOARDING_STATUSES } from '../vendor/statuses.js';
import { timeSchema } from './record.js';

/** Every anomaly code (docs/spec.md#anomalies), as the severity table lists them. */
export const ANOMALY_CODES = Object.keys(SEVERITY) as [AnomalyCode, ...AnomalyCode[]];

/** Something odd about a delivery, with a sentence a person understands. */
export const anomalySchema = z
  .strictObject({
    code: z.enum(ANOMALY_CODES),
    severity: z.enum(['error', 'warning']).describe('error: data is missing or contradicts; warning: an odd delivery'),
    message: z.string().describe('what arrived, what was expected, and what it means'),
    kind: z.string().optional().describe("the record's kind, as it arrived (cut to a readable length)"),
    receivedAt: timeSchema
      .optional()
      .describe('when the record was received, in UTC; absent when it had no valid time'),
    source: z
      .strictObject({ file: z.string().optional(), line: z.number().int().min(1).optional() })
      .optional()
      .describe('where the record was read: a file and a 1-based line'),
    field: z.string().optional().describe('for invalid-payload: the field'),
    expected: z.string().optional().describe('for invalid-payload: what was expected'),
    got: z.string().optional().describe('for invalid-payload: what arrived'),
    settled: z.boolean().optional().describe('for conflicting-decision: a poll has settled the decision since'),
  })
  .meta({ id: 'Anomaly', title: 'Anomaly' });

const moduleName = z.enum(MODULE_NAMES as [string, ...string[]]);

/** What the view says of one fetchable module. */
const moduleAccessSchema = z
  .strictObject({
    stage: z.enum(['final', 'preliminary']),
    endpoints: z.array(
      z.strictObject({
        method: z.enum(['GET', 'POST']),
        path: z.string().nullable().describe("the vendor's path; null where it is not published"),
        description: z.string(),
      }),
    ),
    evidence: z.array(z.string()).describe('the machine states that make it fetchable (machine.region.state)'),
    refetch: z
      .strictObject({
        reason: z.string(),
        after: timeSchema,
        count: z.number().int().min(1).describe('how many pieces of evidence asked for a fetch'),
      })
      .optional(),
    refs: z
      .array(z.strictObject({ ref: z.string(), updates: z.number().int().min(1), after: timeSchema }))
      .optional()
      .describe('for watchlist: each search ref with its latest update'),
  })
  .meta({ id: 'ModuleAccess', title: 'A fetchable module' });

/** The session view: one answer per session. */
export const sessionViewSchema = z
  .strictObject({
    interviewId: z.string().min(1),
    status: z.enum(ONBOARDING_STATUSES).describe('the most advanced onboarding status known'),
    decision: z.enum(DECISIONS),
    fetchable: z.array(moduleName).describe('sorted names of the modules safe to fetch now'),
    modules: z.partialRecord(moduleName, moduleAccessSchema).describe('for each fetchable module: how to fetch it'),
    pollRequested: z.boolean().describe('a conflicting decision asks for a poll to settle it'),
    terminal: z.boolean().describe('the decision is settled (approved or rejected): polling can stop'),
    session: z.string().min(1).describe('the state of the Flow or Workflow session lifecycle'),
    anomalies: z.array(anomalySchema),
    records: z.number().int().min(0).describe('distinct records applied (copies and repeats excluded)'),
  })
  .meta({
    id: 'SessionView',
    title: 'Session view',
    description: 'Where a session stands, what was decided, what may be fetched now, and what was odd.',
  });
