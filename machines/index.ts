/**
 * The statecharts: the source of truth of the lifecycle. The core feeds every delivery of a
 * session to every machine, in the order received; each reads the events it knows and ignores
 * the rest. They import only the vendor's tables and the shared types.
 */
export { type DecisionEvidence, decide, decisionStatus, openEvidence, settlingPoll, type Verdict } from './decision.js';
export { type EvidenceContext, evidenceMachine, evidenceModel, initialEvidenceContext } from './evidence.js';
export type { Guard, Model, ModelInput, ModelLogic, Update } from './model.js';
export {
  decisionOf,
  initialOnboardingContext,
  type OnboardingContext,
  type OnboardingEvent,
  onboardingMachine,
  onboardingModel,
  withDecision,
} from './onboarding.js';
export { type SessionContext, sessionMachine, sessionModel } from './session.js';

import { evidenceModel } from './evidence.js';
import { onboardingModel } from './onboarding.js';
import { sessionModel } from './session.js';

/** Every model, by name. */
export const MODELS = { onboarding: onboardingModel, session: sessionModel, evidence: evidenceModel } as const;

/** The name of a machine. */
export type MachineName = keyof typeof MODELS;
