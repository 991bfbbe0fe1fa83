/**
 * Fleet insights: pure functions over stored telemetry (route progress, ETA, lateness, status,
 * reefer excursions, hours of service, alerts). No Node or DOM APIs: the server, the hub and the
 * UI all import them, online or offline.
 */
export { EARTH_RADIUS_KM, haversineKm, routeProgress } from './geo';
export type { RouteProgress } from './geo';
export {
  ARRIVED_WITHIN_KM,
  ON_TIME_TOLERANCE_MS,
  RECENT_SPEED_WINDOW_MS,
  describeLateness,
  estimateEta,
  recentSpeedKph,
} from './eta';
export type { EtaEstimate, EtaInput, EtaVerdict } from './eta';
export { MOVING_MIN_KPH, STALE_AFTER_MS, hosRemainingMin, truckStatus } from './status';
export type { TruckStatus } from './status';
export { EXCURSION_MIN_MS, reeferExcursion } from './reefer';
export type { ReeferExcursion } from './reefer';
export {
  IDLE_ALERT_MS,
  NO_DATA_ALERT_MS,
  RECENT_KEEP_MS,
  RECENT_MAX_SAMPLES,
  SPEEDING_CLEAR_KPH,
  SPEEDING_KPH,
  emptyAlertState,
  evaluateAlerts,
} from './alerts';
export type { AlertInput, AlertTrackerState } from './alerts';
