// Alert evaluation for one truck: a pure state machine the server runs on every telemetry sample
// and on a periodic sweep. Each occurrence of an alert is reported once when it starts and once
// when it clears, under the same id.
import type { Alert, AlertKind, Telemetry, Transfer } from '../fleet';
import { formatDuration, formatNumber } from './format';
import { reeferExcursion } from './reefer';
import { MOVING_MIN_KPH } from './status';

/**
 * Above this speed (km/h) a truck is speeding. Heavy trucks are limited to 80–90 km/h in most of
 * Europe and by most US fleet governors; 100 leaves room for GPS speed noise and a downhill
 * overshoot, so an alert means a real problem (or a tampered limiter).
 */
export const SPEEDING_KPH = 100;

/**
 * A speeding alert clears only at or below this speed (km/h). The 5 km/h gap keeps a truck
 * cruising around 100 km/h from raising and clearing an alert on every other sample.
 */
export const SPEEDING_CLEAR_KPH = 95;

/**
 * Engine on and standing still for this long (ms) raises an idle alert. Anti-idling rules
 * (California's diesel-truck limit among them) allow 5 minutes, and it is short enough to see in a demo.
 */
export const IDLE_ALERT_MS = 5 * 60_000;

/**
 * No telemetry for this long (ms) raises a no-data alert on the sweep. Real devices report every
 * 30–60 s, so this is five to ten missed reports: an outage, not a tunnel.
 */
export const NO_DATA_ALERT_MS = 5 * 60_000;

/** How far back (ms) the tracker keeps samples: covers the excursion and speed windows. */
export const RECENT_KEEP_MS = 15 * 60_000;

/**
 * At most this many samples are kept per truck, bounding server memory: 15 minutes at one sample
 * every 5 s is 180, and even at one a second 200 still spans the 2-minute excursion window.
 */
export const RECENT_MAX_SAMPLES = 200;

/** Per-truck memory between two evaluations. */
export interface AlertTrackerState {
  /** The alerts currently active, by kind. */
  active: Partial<Record<AlertKind, Alert>>;
  /** Recent samples, oldest first, bounded by RECENT_KEEP_MS and RECENT_MAX_SAMPLES. */
  recent: Telemetry[];
  /** Epoch ms (sample time) since the engine has been on with the truck standing; null when not idling. */
  idleSince: number | null;
}

/** What evaluateAlerts is told: the truck, its current transfer, the new sample (null on a sweep), the time. */
export interface AlertInput {
  truckId: string;
  transfer: Transfer | null;
  telemetry: Telemetry | null;
  now: number;
}

/** The state for a truck that has no alerts and no samples yet. */
export function emptyAlertState(): AlertTrackerState {
  return { active: {}, recent: [], idleSince: null };
}

/** Adds a sample to the recent list: sorted by time, one sample per timestamp, bounded. */
function withSample(recent: Telemetry[], sample: Telemetry): Telemetry[] {
  const out = recent.filter((s) => s.ts !== sample.ts);
  let i = out.length;
  while (i > 0 && (out[i - 1]?.ts ?? -Infinity) > sample.ts) i--;
  out.splice(i, 0, sample);
  const newest = out[out.length - 1]?.ts ?? sample.ts;
  return out.filter((s) => s.ts >= newest - RECENT_KEEP_MS).slice(-RECENT_MAX_SAMPLES);
}

function reeferMessage(recent: Telemetry[], setpointC: number, toleranceC: number): string {
  const reading = recent.findLast((s) => typeof s.reeferTempC === 'number');
  const sp = reading?.reeferSetpointC ?? setpointC;
  const temp = reading?.reeferTempC;
  const where = temp === undefined ? 'out of range' : `at ${formatNumber(temp)} °C`;
  return `Reefer ${where}, setpoint ${formatNumber(sp)} °C ± ${formatNumber(toleranceC)} °C`;
}

/** Runs one evaluation: returns the next state and the alerts that started or cleared now. */
export function evaluateAlerts(
  prev: AlertTrackerState,
  input: AlertInput,
): { state: AlertTrackerState; changes: Alert[] } {
  const { truckId, transfer, telemetry, now } = input;
  const active: Partial<Record<AlertKind, Alert>> = { ...prev.active };
  const changes: Alert[] = [];

  const start = (kind: AlertKind, severity: Alert['severity'], at: number, message: string): void => {
    if (active[kind]) return;
    const alert: Alert = {
      id: `${truckId}:${kind}:${at}`,
      truckId,
      kind,
      severity,
      state: 'active',
      startedAt: at,
      message,
    };
    active[kind] = alert;
    changes.push(alert);
  };
  const clear = (kind: AlertKind, at: number): void => {
    const alert = active[kind];
    if (!alert) return;
    delete active[kind];
    // Device and server clocks differ: never report an occurrence that ended before it began.
    changes.push({ ...alert, state: 'cleared', clearedAt: Math.max(alert.startedAt, at) });
  };
  const cargo = transfer?.cargo;

  if (!telemetry) {
    // The sweep: only silence is news here; conditions read from samples wait for the next sample.
    let idleSince = prev.idleSince;
    const last = prev.recent[prev.recent.length - 1];
    if (last && now - last.ts >= NO_DATA_ALERT_MS && !active['no-data']) {
      start('no-data', 'warning', now, `No data for ${formatDuration(now - last.ts)}`);
      // Speed and idling are momentary: unknown once the truck is silent (devices often sleep
      // when the ignition goes off). The cargo's risk persists, so a reefer excursion stays.
      clear('speeding', now);
      clear('idle', now);
      idleSince = null;
    }
    if (cargo?.kind !== 'reefer') clear('reefer-excursion', now);
    return { state: { active, recent: prev.recent, idleSince }, changes };
  }

  const latestBefore = prev.recent[prev.recent.length - 1];
  const recent = withSample(prev.recent, telemetry);
  clear('no-data', now);
  if (latestBefore && telemetry.ts < latestBefore.ts) {
    // A late sample (buffered upload, reordering) fills in history but says nothing about now.
    return { state: { active, recent, idleSince: prev.idleSince }, changes };
  }
  const ts = telemetry.ts;

  if (telemetry.speedKph > SPEEDING_KPH) {
    start(
      'speeding',
      'warning',
      ts,
      `Speeding at ${formatNumber(telemetry.speedKph)} km/h (limit ${SPEEDING_KPH} km/h)`,
    );
  } else if (telemetry.speedKph <= SPEEDING_CLEAR_KPH) {
    clear('speeding', ts);
  }

  const idling = telemetry.engineOn === true && telemetry.speedKph < MOVING_MIN_KPH;
  const idleSince = idling ? (prev.idleSince ?? ts) : null;
  if (idleSince !== null && ts - idleSince >= IDLE_ALERT_MS) {
    start('idle', 'warning', ts, `Idling with the engine on for ${formatDuration(ts - idleSince)}`);
  } else if (!idling) {
    clear('idle', ts);
  }

  if (cargo?.kind === 'reefer') {
    if (reeferExcursion(recent, cargo, ts).active) {
      start('reefer-excursion', 'critical', ts, reeferMessage(recent, cargo.setpointC, cargo.toleranceC));
    } else {
      clear('reefer-excursion', ts);
    }
  } else {
    clear('reefer-excursion', ts);
  }

  return { state: { active, recent, idleSince }, changes };
}
