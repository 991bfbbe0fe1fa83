/** The demo tenants: accounts, device keys, and trucks with real lanes, drivers and cargo. */
import type { Cargo, Driver, LatLon, Transfer, TruckInfo } from '../../src/shared/fleet';
import { haversineKm } from '../../src/shared/insights';
import { EUROPE_LANES, US_LANES, type Lane } from './lanes';
import { between, mulberry32, pick } from './random';

/** An operator account of demo mode (design.md). */
export interface DemoAccount {
  username: string;
  password: string;
  tenant: string;
  role: 'admin' | 'operator' | 'viewer';
}

/** Demo operators: shown on the login page when demo mode is on. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'ana', password: 'fleetwire', tenant: 'acme', role: 'admin' },
  { username: 'bo', password: 'fleetwire', tenant: 'globex', role: 'admin' },
];

/** Display names of the demo tenants. */
export const DEMO_TENANT_NAMES: Readonly<Record<(typeof DEMO_TENANTS)[number], string>> = { acme: 'Acme Logistics', globex: 'Globex Freight' };

/** Demo device ingest keys → tenant. */
export const DEMO_DEVICE_KEYS: Readonly<Record<string, string>> = { 'demo-acme': 'acme', 'demo-globex': 'globex' };

/** The demo tenants. */
export const DEMO_TENANTS = ['acme', 'globex'] as const;

/** Trucks per demo tenant (design.md asks for at least 20 and 8). */
export const DEMO_FLEET_SIZE = { acme: 24, globex: 10 } as const;

/**
 * How much slower (km/h) than its cruising speed a truck's plan assumes: towns, junctions and
 * slow-downs. Small, because the shared ETA estimate extrapolates the recent driving speed.
 */
export const PLAN_MARGIN_KPH = 2;

/** A demo truck: its identity and where the simulator starts it. */
export interface DemoTruck {
  info: TruckInfo;
  lane: Lane;
  reversed: boolean;
  /** The truck's usual cruising speed, km/h. */
  cruiseKph: number;
  /** Share of the route already driven at start, 0..1. */
  startFraction: number;
  /** How far behind plan it starts, real minutes (negative: ahead). */
  startDelayMin: number;
  /** Trip counter, for transfer ids. */
  trip: number;
}

const EU_MODELS = ['Volvo FH', 'Scania R 450', 'DAF XF', 'Mercedes-Benz Actros', 'MAN TGX', 'Iveco S-Way', 'Renault T'];
const US_MODELS = ['Freightliner Cascadia', 'Peterbilt 579', 'Kenworth T680', 'Volvo VNL 760', 'International LT'];
const EU_DRIVERS = [
  'Jan de Vries', 'Sophie Martin', 'Lukas Schneider', 'Marta García', 'Pieter Janssens', 'João Silva',
  'Erik Lindqvist', 'Katalin Nagy', 'James Walker', 'Chiara Rossi', 'Tomasz Kowalski', 'Mette Nielsen',
  'Luca Bianchi', 'Anna Müller', 'Pierre Dubois', 'Carmen López', 'Jonas Berg', 'Eva Horváth',
  'Oliver Smith', 'Inês Costa', 'Milan Novák', 'Sanne Bakker', 'Dragan Petrović', 'Lena Fischer',
];
const US_DRIVERS = [
  'Mike Johnson', 'Maria Hernandez', 'DeShawn Carter', 'Emily Nguyen', 'Robert Miller',
  'Jasmine Brooks', 'Carlos Ramirez', 'Tyler Anderson', 'Keisha Williams', 'Hank Peterson',
];
const DRY_CARGO = [
  'Auto parts', 'Paper rolls', 'Consumer electronics', 'Flat-pack furniture', 'Bottled beverages',
  'Steel coils', 'Textiles', 'Machine parts', 'Tyres', 'Building materials',
];
const REEFER_CARGO: { description: string; setpointC: number }[] = [
  { description: 'Dairy products', setpointC: 4 },
  { description: 'Frozen seafood', setpointC: -18 },
  { description: 'Fresh produce', setpointC: 4 },
  { description: 'Ice cream', setpointC: -18 },
  { description: 'Pharmaceuticals', setpointC: 5 },
  { description: 'Frozen vegetables', setpointC: -18 },
];
/** Reefer units hold ± this much (°C) around setpoint in normal running (cold-chain contracts use 2 °C). */
export const REEFER_TOLERANCE_C = 2;

const LETTERS = 'BCDFGHJKLMNPRSTVXZ';
function plate(random: () => number, style: Lane['plateStyle'], lane: Lane): string {
  const L = () => pick(random, LETTERS.split(''));
  const D = () => String(Math.floor(random() * 10));
  switch (style) {
    case 'NL': return `${D()}${D()}-${L()}${L()}${L()}-${D()}`;
    case 'FR': return `${L()}${L()}-${D()}${D()}${D()}-${L()}${L()}`;
    case 'DE': return `${lane.id.startsWith('ham') ? 'HH' : lane.id.startsWith('bre') ? 'HB' : 'DU'}-${L()}${L()} ${D()}${D()}${D()}`;
    case 'ES': return `${D()}${D()}${D()}${D()} ${L()}${L()}${L()}`;
    case 'SE': return `${L()}${L()}${L()} ${D()}${D()}${L()}`;
    case 'AT': return `W-${D()}${D()}${D()}${D()}${L()}`;
    case 'GB': return `${L()}${L()}${D()}${D()} ${L()}${L()}${L()}`;
    case 'BE': return `1-${L()}${L()}${L()}-${D()}${D()}${D()}`;
    case 'IT': return `${L()}${L()} ${D()}${D()}${D()}${L()}${L()}`;
    case 'US': return `${D()}${L()}${L()}${D()}${D()}${D()}${D()}`;
  }
}

/** Length of a polyline, km. */
export function routeKm(points: readonly LatLon[]): number {
  let km = 0;
  for (let i = 1; i < points.length; i++) km += haversineKm(points[i - 1] as LatLon, points[i] as LatLon);
  return km;
}

/** Plans one trip along a lane at the truck's pace; the first waypoint is the origin, the last the destination. */
export function planTransfer(
  truck: Pick<DemoTruck, 'lane' | 'reversed' | 'cruiseKph' | 'trip'> & { info: Pick<TruckInfo, 'id'> },
  cargo: Cargo,
  plannedDeparture: number,
  timeScale: number,
): Transfer {
  const places = truck.reversed ? [...truck.lane.places].reverse() : truck.lane.places;
  const origin = places[0];
  const destination = places[places.length - 1];
  if (!origin || !destination) throw new Error(`demo lane ${truck.lane.id} has no places`);
  const km = routeKm(places);
  const plannedKph = truck.cruiseKph - PLAN_MARGIN_KPH;
  return {
    id: `${truck.info.id}-T${String(truck.trip).padStart(3, '0')}`,
    origin,
    destination,
    waypoints: places.map(({ lat, lon }) => ({ lat, lon })),
    plannedDeparture: Math.round(plannedDeparture),
    plannedArrival: Math.round(plannedDeparture + (km / plannedKph) * 3_600_000 / timeScale),
    cargo,
  };
}

/** Builds the demo fleet as it stands at `now`: the same trucks, drivers and cargo on every start. */
export function buildDemoFleet(now: number, timeScale = 1, acmeTrucks: number = DEMO_FLEET_SIZE.acme): DemoTruck[] {
  const trucks: DemoTruck[] = [];
  for (const tenant of DEMO_TENANTS) {
    const lanes = tenant === 'acme' ? EUROPE_LANES : US_LANES;
    const models = tenant === 'acme' ? EU_MODELS : US_MODELS;
    const drivers = tenant === 'acme' ? EU_DRIVERS : US_DRIVERS;
    const size = tenant === 'acme' ? acmeTrucks : DEMO_FLEET_SIZE[tenant];
    for (let i = 1; i <= size; i++) {
      const random = mulberry32(i * 7919 + (tenant === 'acme' ? 0 : 104_729));
      const nn = String(i).padStart(2, '0');
      const id = `${tenant}-${nn}`;
      const lane = lanes[(i - 1) % lanes.length] as Lane;
      const reversed = i > lanes.length;
      const model = models[(i - 1) % models.length] as string;
      const driver: Driver = { id: `${tenant.slice(0, 3).toUpperCase()}-D${nn}`, name: drivers[(i - 1) % drivers.length] as string };
      // About a third of the fleet is refrigerated.
      const reefer = REEFER_CARGO[Math.floor(i / 3) % REEFER_CARGO.length] as (typeof REEFER_CARGO)[number];
      const cargo: Cargo =
        i % 3 === 0
          ? { kind: 'reefer', description: reefer.description, setpointC: reefer.setpointC, toleranceC: REEFER_TOLERANCE_C }
          : { kind: 'dry', description: DRY_CARGO[(i * 3) % DRY_CARGO.length] as string };
      const cruiseKph = Math.round(between(random, 78, 88));
      const startFraction = between(random, 0.05, 0.8);
      // Every fourth truck started late (a late load, a closed road); the rest within minutes of plan.
      const startDelayMin = i % 4 === 1 ? between(random, 25, 90) : between(random, -5, 5);
      const base = { lane, reversed, cruiseKph, trip: 1, info: { id } };
      const km = routeKm(lane.places);
      const drivenMs = ((startFraction * km) / (cruiseKph - PLAN_MARGIN_KPH)) * 3_600_000;
      const plannedDeparture = now - (drivenMs + startDelayMin * 60_000) / timeScale;
      const sideName = tenant === 'acme' ? 'Acme' : 'Globex';
      trucks.push({
        ...base,
        startFraction,
        startDelayMin,
        info: {
          id,
          tenant,
          name: `${sideName} ${nn} · ${model}`,
          plate: plate(random, lane.plateStyle, lane),
          driver,
          transfer: planTransfer(base, cargo, plannedDeparture, timeScale),
        },
      });
    }
  }
  return trucks;
}
