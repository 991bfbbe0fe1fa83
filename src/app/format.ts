/** Formatting for what an operator reads: distances, speeds, temperatures, durations and times. */
import type { AlertKind } from '../shared/fleet';
import type { Prefs } from '../shared/protocol';

/** What an operator calls each kind of alert. */
export const ALERT_KIND_LABEL: Record<AlertKind, string> = {
  'reefer-excursion': 'Reefer temperature',
  speeding: 'Speeding',
  idle: 'Idling',
  'no-data': 'No data',
};

/** Kilometres in a statute mile. */
const KM_PER_MI = 1.609344;

/** Converts km to the preferred unit. */
export function distanceValue(km: number, prefs: Prefs): number {
  return prefs.distance === 'mi' ? km / KM_PER_MI : km;
}

/** Built once: a formatter per call (what `toLocaleString` with options does) costs more than the panel's rendering. */
const wholeNumber = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** "312 km" / "194 mi"; one decimal below 10. */
export function formatDistance(km: number, prefs: Prefs): string {
  const v = distanceValue(km, prefs);
  return `${(v < 10 ? oneDecimal : wholeNumber).format(v)} ${prefs.distance}`;
}

/** Speed in the preferred unit, no unit. */
export function speedValue(kph: number, prefs: Prefs): number {
  return prefs.distance === 'mi' ? kph / KM_PER_MI : kph;
}

/** The speed unit that goes with the distance unit. */
export function speedUnit(prefs: Prefs): string {
  return prefs.distance === 'mi' ? 'mph' : 'km/h';
}

/** "84 km/h" / "52 mph". */
export function formatSpeed(kph: number, prefs: Prefs): string {
  return `${Math.round(speedValue(kph, prefs))} ${speedUnit(prefs)}`;
}

/** Temperature in the preferred unit, no unit. */
export function tempValue(c: number, prefs: Prefs): number {
  return prefs.temperature === 'F' ? (c * 9) / 5 + 32 : c;
}

/** A temperature difference (a tolerance) in the preferred unit. */
export function tempDeltaValue(dc: number, prefs: Prefs): number {
  return prefs.temperature === 'F' ? (dc * 9) / 5 : dc;
}

/** "°C" / "°F". */
export function tempUnit(prefs: Prefs): string {
  return prefs.temperature === 'F' ? '°F' : '°C';
}

/** "3.1 °C" / "37.6 °F". */
export function formatTemp(c: number, prefs: Prefs): string {
  return `${tempValue(c, prefs).toFixed(1)} ${tempUnit(prefs)}`;
}

/** "±2.0 °C". */
export function formatTempDelta(dc: number, prefs: Prefs): string {
  return `±${tempDeltaValue(dc, prefs).toFixed(1)} ${tempUnit(prefs)}`;
}

/** "45 min", "4 h 10 min", "2 d 3 h". */
export function formatMinutes(totalMin: number): string {
  const m = Math.max(0, Math.round(totalMin));
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** "just now", "40 s ago", "2 min ago", "3 h 5 min ago", "2 d ago". */
export function formatRelative(atMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min ago` : `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const clockSecondsFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayClockFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** Local time of day, "14:32"; prefixed with the weekday when not today. */
export function formatClock(atMs: number, nowMs: number = Date.now()): string {
  const at = new Date(atMs);
  const now = new Date(nowMs);
  const sameDay = at.getDate() === now.getDate() && at.getMonth() === now.getMonth() && at.getFullYear() === now.getFullYear();
  return sameDay ? clockFormat.format(at) : dayClockFormat.format(at);
}

/** Local time with seconds, "14:32:05", for event logs. */
export function formatClockSeconds(atMs: number): string {
  return clockSecondsFormat.format(new Date(atMs));
}

/** Full local date and time, for tooltips. */
export function formatFull(atMs: number): string {
  return fullFormat.format(new Date(atMs));
}

/** "1.2 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "late 23 min" / "early 5 min" style duration of a signed lateness, without the word. */
export function formatLateness(ms: number): string {
  return formatMinutes(Math.abs(ms) / 60_000);
}
