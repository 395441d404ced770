/** When automation rules run next (pure: every function takes `now`). */

export const AUTOMATION_KINDS = ['wave_release', 'auto_ship', 'manifest_close', 'cancel_stale_holds', 'sla_watch'] as const;
export type AutomationKind = (typeof AUTOMATION_KINDS)[number];

export interface RuleSettings {
  /** Every rule but manifest_close: minutes between runs. */
  every_minutes?: number | undefined;
  /** wave_release: also run this many minutes before the warehouse's cut-off. */
  before_cutoff_minutes?: number | null | undefined;
  strategy?: 'single' | 'batch' | 'zone' | undefined;
  max_orders?: number | undefined;
  /** auto_ship: only this carrier / service (else rate shopping by the warehouse's rules). */
  carrier?: string | undefined;
  service?: string | undefined;
  /** manifest_close: local pickup time "HH:MM"; carriers to close (absent = all). */
  pickup_time?: string | undefined;
  carriers?: string[] | undefined;
  /** cancel_stale_holds: hold reasons to cancel, and the age. */
  hold_reasons?: string[] | undefined;
  older_than_minutes?: number | undefined;
  /** sla_watch: orders whose dispatch_by falls within this many minutes are at risk; raised to this priority. */
  at_risk_minutes?: number | undefined;
  raise_to?: 'high' | 'urgent' | undefined;
}

export const DEFAULT_SETTINGS: Record<AutomationKind, RuleSettings> = {
  wave_release: { every_minutes: 30, before_cutoff_minutes: 60, strategy: 'single' },
  auto_ship: { every_minutes: 1 },
  manifest_close: { pickup_time: '17:00' },
  cancel_stale_holds: { every_minutes: 15, hold_reasons: ['cod_blocked_phone', 'cod_blocked_postal_code', 'possible_duplicate'], older_than_minutes: 2880 },
  sla_watch: { every_minutes: 10, at_risk_minutes: 120, raise_to: 'urgent' },
};

/** The offset of a time zone from UTC at an instant, in ms (local wall time − UTC). */
function zoneOffsetMs(instant: Date, tz: string): number {
  const parts: Record<string, string> = {};
  for (const p of new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(instant)) parts[p.type] = p.value;
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The first instant strictly after `now` when the local clock in `tz` shows `hhmm`. */
export function nextLocalTime(now: Date, tz: string, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  for (let day = 0; day <= 2; day++) {
    const local = new Date(now.getTime() + zoneOffsetMs(now, tz) + day * 86_400_000);
    const guess = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), h, m);
    const at = new Date(guess - zoneOffsetMs(new Date(guess), tz));
    if (at.getTime() > now.getTime()) return at;
  }
  return new Date(now.getTime() + 86_400_000);
}

/** When a rule runs next after a run at `now`. */
export function nextRunAt(kind: AutomationKind, s: RuleSettings, now: Date, warehouse: { timezone: string; cutoff_time: string | null }): Date {
  if (kind === 'manifest_close') return nextLocalTime(now, warehouse.timezone, s.pickup_time ?? '17:00');
  const every = new Date(now.getTime() + (s.every_minutes ?? DEFAULT_SETTINGS[kind].every_minutes ?? 15) * 60_000);
  if (kind === 'wave_release' && s.before_cutoff_minutes != null && warehouse.cutoff_time) {
    const [h, m] = warehouse.cutoff_time.split(':').map(Number) as [number, number];
    const total = h * 60 + m - s.before_cutoff_minutes;
    if (total >= 0) {
      const hhmm = `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
      const ahead = nextLocalTime(now, warehouse.timezone, hhmm);
      if (ahead < every) return ahead;
    }
  }
  return every;
}
