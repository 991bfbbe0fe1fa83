/**
 * The demo fleet in motion: trucks drive their lanes, slow down in jams, stop, idle with the engine
 * on, take breaks when their hours run out, refuel, unload and start the next trip; reefers hold
 * their setpoint with noise and the odd door-open excursion; one truck has a flaky modem.
 * Pure state + a random source: the server plugin and the CLI drive it with a clock.
 */
import type { LatLon, Telemetry, TruckInfo } from '../../src/shared/fleet';
import { haversineKm } from '../../src/shared/insights';
import { planTransfer, type DemoTruck } from './fleet';
import { between } from './random';

/** Fuel used per km as a share of the tank: ~30 L/100 km from a 600 L tank. */
const FUEL_PCT_PER_KM = 0.05;
/** Below this fuel level (%) the driver pulls in to refuel. */
const REFUEL_BELOW_PCT = 12;
/** Driving time between two breaks, minutes (EU rule: 45 min break after 4 h 30 min). */
const HOS_DRIVING_MIN = 270;
/** Length of the mandatory break, minutes. */
const HOS_BREAK_MIN = 45;
/** How much warmer than setpoint (°C) the load air heads towards with the doors open. */
const DOOR_OPEN_RISE_C = 9;
/** Reefer air temperature time constant with doors open / closed, minutes. */
const REEFER_TAU_OPEN_MIN = 2.5;
const REEFER_TAU_CLOSED_MIN = 5;
/** Longest simulated step, minutes: keeps per-minute event odds honest at high time scales. */
const MAX_STEP_MIN = 0.5;
/** Truck that demonstrates reefer excursions soon after start, and when (real ms after start). */
const EARLY_EXCURSION = { truckId: 'acme-03', afterMs: 90_000 };
/** Truck with a flaky modem: silent for a few minutes now and then (raises no-data alerts). */
const FLAKY_TRUCK = { truckId: 'acme-17', firstAfterMs: 3 * 60_000, silentMs: [6 * 60_000, 8 * 60_000], gapMs: [25 * 60_000, 40 * 60_000] } as const;

/** Odds per simulated minute of driving that an episode starts. */
const PER_MIN = {
  jam: 1 / 80,
  idle: 1 / 150,
  stop: 1 / 100,
  speeding: 1 / 180,
  doorOpen: 1 / 150,
} as const;

type Mode = 'drive' | 'jam' | 'idle' | 'stop' | 'break' | 'refuel' | 'unload';

interface SimTruck {
  demo: DemoTruck;
  info: TruckInfo;
  route: LatLon[];
  /** Cumulative km at each waypoint. */
  cum: number[];
  distKm: number;
  mode: Mode;
  modeLeftMin: number;
  jamKph: number;
  speedKph: number;
  speedingLeftMin: number;
  headingDeg: number;
  fuelPct: number;
  hosMin: number;
  odometerKm: number;
  reeferTempC: number | null;
  doorOpenLeftMin: number;
  doorOpenAt: number | null;
  silentUntil: number;
  nextSilenceAt: number | null;
}

/** Options of the simulator. */
export interface SimulatorOptions {
  /** Real time at start, epoch ms. */
  now: number;
  /** Simulated minutes per real minute (1 keeps ETAs honest). */
  timeScale?: number;
  random?: () => number;
}

function cumulative(route: readonly LatLon[]): number[] {
  const cum = [0];
  for (let i = 1; i < route.length; i++) cum.push((cum[i - 1] as number) + haversineKm(route[i - 1] as LatLon, route[i] as LatLon));
  return cum;
}

function bearingDeg(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const y = Math.sin((b.lon - a.lon) * rad) * Math.cos(b.lat * rad);
  const x = Math.cos(a.lat * rad) * Math.sin(b.lat * rad) - Math.sin(a.lat * rad) * Math.cos(b.lat * rad) * Math.cos((b.lon - a.lon) * rad);
  return ((Math.atan2(y, x) / rad) + 360) % 360;
}

const round = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** The simulated demo fleet. */
export class FleetSimulator {
  private readonly trucks: SimTruck[];
  private readonly byId = new Map<string, SimTruck>();
  private readonly random: () => number;
  private readonly timeScale: number;
  private lastNow: number;
  private cursor = 0;

  constructor(demo: readonly DemoTruck[], options: SimulatorOptions) {
    this.random = options.random ?? Math.random;
    this.timeScale = options.timeScale ?? 1;
    this.lastNow = options.now;
    this.trucks = demo.map((d) => this.initTruck(d, options.now));
    for (const t of this.trucks) this.byId.set(t.info.id, t);
  }

  private initTruck(demo: DemoTruck, now: number): SimTruck {
    const transfer = demo.info.transfer;
    if (!transfer) throw new Error(`demo truck ${demo.info.id} has no transfer`);
    const route = transfer.waypoints;
    const cum = cumulative(route);
    const total = cum[cum.length - 1] ?? 0;
    const reefer = transfer.cargo.kind === 'reefer' ? transfer.cargo.setpointC + between(this.random, -0.5, 0.5) : null;
    const flaky = demo.info.id === FLAKY_TRUCK.truckId;
    const truck: SimTruck = {
      demo,
      info: demo.info,
      route,
      cum,
      distKm: demo.startFraction * total,
      mode: 'drive',
      modeLeftMin: 0,
      jamKph: 0,
      speedKph: demo.cruiseKph,
      speedingLeftMin: 0,
      headingDeg: 0,
      fuelPct: between(this.random, 35, 95),
      hosMin: between(this.random, 40, HOS_DRIVING_MIN),
      odometerKm: Math.round(between(this.random, 80_000, 900_000)),
      reeferTempC: reefer,
      doorOpenLeftMin: 0,
      doorOpenAt: demo.info.id === EARLY_EXCURSION.truckId ? now + EARLY_EXCURSION.afterMs : null,
      silentUntil: 0,
      nextSilenceAt: flaky ? now + FLAKY_TRUCK.firstAfterMs : null,
    };
    truck.headingDeg = this.segmentHeading(truck);
    return truck;
  }

  /** Identity of every simulated truck as it is now (transfers change on arrival). */
  infos(): TruckInfo[] {
    return this.trucks.map((t) => t.info);
  }

  /**
   * Moves the fleet forward to `now`; returns trucks that started a new transfer (publish them as
   * `truck` events before their next sample).
   */
  advance(now: number): TruckInfo[] {
    const changed: TruckInfo[] = [];
    let leftMin = (Math.max(0, now - this.lastNow) / 60_000) * this.timeScale;
    this.lastNow = now;
    while (leftMin > 1e-9) {
      const dt = Math.min(MAX_STEP_MIN, leftMin);
      leftMin -= dt;
      for (const t of this.trucks) if (this.step(t, dt, now)) changed.push(t.info);
    }
    for (const t of this.trucks) this.updateSilence(t, now);
    return changed;
  }

  /** One sample from each truck, silent ones included (the start-up snapshot). */
  sampleAll(now: number): Telemetry[] {
    return this.trucks.map((t) => this.sample(t, now));
  }

  /** The next `count` samples, round robin over trucks that are not silent; ids of a repeat get +1 ms. */
  take(count: number, now: number, filter?: (info: TruckInfo) => boolean): Telemetry[] {
    const eligible = this.trucks.filter((t) => now >= t.silentUntil && (!filter || filter(t.info)));
    if (eligible.length === 0 || count <= 0) return [];
    const out: Telemetry[] = [];
    for (let k = 0; k < count; k++) {
      const t = eligible[this.cursor++ % eligible.length] as SimTruck;
      // Two samples of one truck in one batch must not share a timestamp.
      out.push(this.sample(t, now + Math.floor(k / eligible.length)));
    }
    return out;
  }

  private updateSilence(t: SimTruck, now: number): void {
    if (t.nextSilenceAt === null || now < t.nextSilenceAt) return;
    t.silentUntil = now + between(this.random, FLAKY_TRUCK.silentMs[0], FLAKY_TRUCK.silentMs[1]);
    t.nextSilenceAt = t.silentUntil + between(this.random, FLAKY_TRUCK.gapMs[0], FLAKY_TRUCK.gapMs[1]);
  }

  private chance(perMin: number, dt: number): boolean {
    return this.random() < perMin * dt;
  }

  private enter(t: SimTruck, mode: Mode, minutes: number): void {
    t.mode = mode;
    t.modeLeftMin = minutes;
  }

  /** Advances one truck by dt simulated minutes; true when it started a new transfer. */
  private step(t: SimTruck, dt: number, now: number): boolean {
    let newTransfer = false;
    this.stepReefer(t, dt, now);
    const total = t.cum[t.cum.length - 1] ?? 0;
    if (t.mode === 'drive' || t.mode === 'jam') {
      if (t.speedingLeftMin > 0) t.speedingLeftMin -= dt;
      const target =
        t.mode === 'jam'
          ? t.jamKph
          : t.speedingLeftMin > 0
            ? t.demo.cruiseKph + 22
            : t.demo.cruiseKph + 3 * Math.sin(t.distKm / 7);
      // Trucks take about half a minute to change speed.
      t.speedKph += (target - t.speedKph) * Math.min(1, dt / 0.5);
      const km = (t.speedKph * dt) / 60;
      t.distKm += km;
      t.odometerKm += km;
      t.fuelPct = Math.max(0, t.fuelPct - km * FUEL_PCT_PER_KM);
      t.hosMin -= dt;
      if (t.mode === 'jam') {
        t.modeLeftMin -= dt;
        if (t.modeLeftMin <= 0) t.mode = 'drive';
      }
      if (t.distKm >= total) {
        t.distKm = total;
        this.enter(t, 'unload', between(this.random, 25, 45));
      } else if (t.hosMin <= 0) {
        this.enter(t, 'break', HOS_BREAK_MIN);
      } else if (t.fuelPct < REFUEL_BELOW_PCT) {
        this.enter(t, 'refuel', between(this.random, 12, 20));
      } else if (t.mode === 'drive') {
        if (this.chance(PER_MIN.jam, dt)) {
          this.enter(t, 'jam', between(this.random, 4, 14));
          t.jamKph = between(this.random, 12, 40);
        } else if (this.chance(PER_MIN.idle, dt)) {
          this.enter(t, 'idle', between(this.random, 6, 10));
        } else if (this.chance(PER_MIN.stop, dt)) {
          this.enter(t, 'stop', between(this.random, 2, 5));
        } else if (t.speedingLeftMin <= 0 && this.chance(PER_MIN.speeding, dt)) {
          t.speedingLeftMin = between(this.random, 2, 4);
        }
      }
    } else {
      t.speedKph = 0;
      t.modeLeftMin -= dt;
      if (t.mode === 'refuel') t.fuelPct = Math.min(98, t.fuelPct + dt * 6);
      if (t.modeLeftMin <= 0) {
        if (t.mode === 'break') t.hosMin = HOS_DRIVING_MIN;
        if (t.mode === 'unload') {
          this.nextTrip(t, now);
          newTransfer = true;
        }
        t.mode = 'drive';
      }
    }
    if (t.speedKph > 1) t.headingDeg = this.segmentHeading(t);
    return newTransfer;
  }

  private stepReefer(t: SimTruck, dt: number, now: number): void {
    const cargo = t.info.transfer?.cargo;
    if (t.reeferTempC === null || cargo?.kind !== 'reefer') return;
    if (t.doorOpenAt !== null && now >= t.doorOpenAt) {
      t.doorOpenAt = null;
      t.doorOpenLeftMin = between(this.random, 4, 6);
    } else if (t.doorOpenLeftMin <= 0 && this.chance(PER_MIN.doorOpen, dt)) {
      t.doorOpenLeftMin = between(this.random, 2, 6);
    }
    const open = t.doorOpenLeftMin > 0;
    if (open) t.doorOpenLeftMin -= dt;
    const target = cargo.setpointC + (open ? DOOR_OPEN_RISE_C : 0);
    const tau = open ? REEFER_TAU_OPEN_MIN : REEFER_TAU_CLOSED_MIN;
    t.reeferTempC += (target - t.reeferTempC) * (1 - Math.exp(-dt / tau));
  }

  private nextTrip(t: SimTruck, now: number): void {
    const previous = t.info.transfer;
    if (!previous) return;
    t.demo = { ...t.demo, reversed: !t.demo.reversed, trip: t.demo.trip + 1 };
    const transfer = planTransfer(t.demo, previous.cargo, now, this.timeScale);
    t.info = { ...t.info, transfer };
    t.route = transfer.waypoints;
    t.cum = cumulative(t.route);
    t.distKm = 0;
  }

  private segmentIndex(t: SimTruck): number {
    let i = 1;
    while (i < t.cum.length - 1 && (t.cum[i] as number) < t.distKm) i++;
    return i;
  }

  private segmentHeading(t: SimTruck): number {
    const i = this.segmentIndex(t);
    return bearingDeg(t.route[i - 1] as LatLon, t.route[i] as LatLon);
  }

  private position(t: SimTruck): LatLon {
    const i = this.segmentIndex(t);
    const a = t.route[i - 1] as LatLon;
    const b = t.route[i] as LatLon;
    const start = t.cum[i - 1] as number;
    const len = (t.cum[i] as number) - start;
    const f = len > 0 ? Math.min(1, Math.max(0, (t.distKm - start) / len)) : 1;
    return { lat: a.lat + (b.lat - a.lat) * f, lon: a.lon + (b.lon - a.lon) * f };
  }

  private sample(t: SimTruck, ts: number): Telemetry {
    const pos = this.position(t);
    // GPS jitter of a few metres.
    const jitter = () => (this.random() - 0.5) * 0.00006;
    const moving = t.mode === 'drive' || t.mode === 'jam';
    const engineOn = moving || t.mode === 'idle';
    const sample: Telemetry = {
      truckId: t.info.id,
      ts,
      lat: round(Math.max(-90, Math.min(90, pos.lat + jitter())), 6),
      lon: round(Math.max(-180, Math.min(180, pos.lon + jitter())), 6),
      speedKph: moving ? round(Math.max(0, t.speedKph + (this.random() - 0.5) * 2.4), 1) : 0,
      headingDeg: round((t.headingDeg + (moving ? (this.random() - 0.5) * 4 : 0) + 360) % 360, 1),
      odometerKm: round(t.odometerKm, 1),
      fuelPct: round(t.fuelPct, 1),
      engineOn,
      hosRemainingMin: Math.max(0, Math.round(t.hosMin)),
    };
    if (t.info.driver) sample.driverId = t.info.driver.id;
    const cargo = t.info.transfer?.cargo;
    if (t.reeferTempC !== null && cargo?.kind === 'reefer') {
      sample.reeferTempC = round(t.reeferTempC + (this.random() - 0.5) * 0.3, 1);
      sample.reeferSetpointC = cargo.setpointC;
    }
    return sample;
  }
}
