/** Grading: checks, weights, required flags and scores. Reads run records only; never imports faults. */
export { CHECK_IDS, CHECKS, type CheckId, type PhaseOutcomes, isCheckId } from './checks.ts';
export { defaultGradeConfig, type Grade, type GradeConfig, gradeScenario, runScore, scoreOf, unknownCheckIds } from './score.ts';
