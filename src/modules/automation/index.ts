export type { AutomationKind, RuleSettings } from './automation.schedule.js';
export type { AutomationRule, AutomationRun } from './automation.service.js';
/** The rule kinds, their default settings, and when a rule runs next (pure). */
export { AUTOMATION_KINDS, DEFAULT_SETTINGS, nextRunAt, nextLocalTime } from './automation.schedule.js';
/** Creates or changes a warehouse's rule of one kind. */
export { saveRule } from './automation.service.js';
/** Rules, of every warehouse or of some. */
export { listRules } from './automation.service.js';
/** Pauses or resumes a warehouse's automation; the paused warehouses. */
export { setWarehousePaused, pausedWarehouses } from './automation.service.js';
/** Takes the rules due now for one runner (SKIP LOCKED, leased). */
export { claimDueRules } from './automation.service.js';
/** Records a rule's run and schedules its next. */
export { recordRun } from './automation.service.js';
/** The run log. */
export { listRuns } from './automation.service.js';
