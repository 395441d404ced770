/**
 * Who the buyer is and which window an order counts in (pure). The customer key is the strongest identifier the
 * order carries: its e-mail (lower-cased, trimmed, a "+tag" sub-address removed: "Asha+2@X.com" buys as
 * "asha@x.com"), else its phone (digits only, the last 10, as the duplicate and blocked-phone checks compare them),
 * else the channel's own customer id (`channel_data.customer_id`, scoped to that channel). None of them: null.
 */
export function customerKey(c: { email?: string | null | undefined; phone?: string | null | undefined }, channelId: string, channelData?: Record<string, unknown> | undefined): string | null {
  const email = c.email?.trim().toLowerCase();
  const at = email ? email.lastIndexOf('@') : -1;
  if (email && at > 0 && at < email.length - 1) {
    const local = email.slice(0, at).replace(/\+.*$/, '');
    return `email:${local || email.slice(0, at)}@${email.slice(at + 1)}`;
  }
  const digits = (c.phone ?? '').replace(/\D/g, '');
  // Fewer than 6 digits identifies nobody (an extension, a placeholder such as "0").
  if (digits.length >= 6) return `phone:${digits.slice(-10)}`;
  const id = channelData?.customer_id;
  if ((typeof id === 'string' && id.trim() !== '' && id.trim() !== '0') || (typeof id === 'number' && Number.isFinite(id) && id !== 0)) {
    return `channel:${channelId}:${String(id).trim()}`;
  }
  return null;
}

const HOUR = 3_600_000;

/**
 * The start of the window `at` falls in. Without `windowHours` the whole active period is one window (a sale),
 * anchored at `active_from` (else when the limit was created). With it, fixed windows of that many hours follow
 * one another from the same anchor, so every process computes the same boundaries without coordination.
 */
export function windowStart(limit: { window_hours: number | null; active_from: Date | null; created_at: Date }, at: Date): Date {
  const anchor = (limit.active_from ?? limit.created_at).getTime();
  if (!limit.window_hours) return new Date(anchor);
  const size = limit.window_hours * HOUR;
  return new Date(anchor + Math.floor((at.getTime() - anchor) / size) * size);
}

/** When the window that starts at `start` ends (null: at the end of the limit's active period, or never). */
export function windowEnd(limit: { window_hours: number | null; active_until: Date | null }, start: Date): Date | null {
  return limit.window_hours ? new Date(start.getTime() + limit.window_hours * HOUR) : limit.active_until;
}
