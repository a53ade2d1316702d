/**
 * The statecharts: the source of truth of the lifecycle (SPEC law 8). The reducer feeds every
 * event to every machine; each reads the events it knows and ignores the rest.
 */
export { type EvidenceContext, evidenceMachine, evidenceModel } from './evidence.js';
export { type OnboardingContext, type OnboardingEvent, onboardingMachine, onboardingModel } from './onboarding.js';
export { type SessionContext, sessionMachine, sessionModel } from './session.js';

import { evidenceModel } from './evidence.js';
import { onboardingModel } from './onboarding.js';
import { sessionModel } from './session.js';

/** Every model, by name. */
export const MODELS = { onboarding: onboardingModel, session: sessionModel, evidence: evidenceModel } as const;

/** The name of a machine. */
export type MachineName = keyof typeof MODELS;
