// Text helpers for the operator-facing strings of the insights (lateness, alert messages).

/** Formats a duration as whole minutes: "23 min", "1 h 20 min", "2 h". */
export function formatDuration(ms: number): string {
  const totalMin = Math.round(Math.abs(ms) / 60_000);
  const h = Math.floor(totalMin / 60);
  const m = totalMin % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** Formats a reading with at most one decimal: 9.4, 4, -18.5. */
export function formatNumber(n: number): string {
  const rounded = Math.round(n * 10) / 10;
  // -0 would print as "0" anyway, but normalise so the sign never leaks into messages.
  return String(rounded === 0 ? 0 : rounded);
}
