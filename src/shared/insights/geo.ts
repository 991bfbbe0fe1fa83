// Distances and route progress on a spherical Earth: pure arithmetic, runs anywhere.
import type { LatLon } from '../fleet';

/**
 * Mean Earth radius in km. With it 1° of latitude is 111.195 km; the spherical model is within
 * 0.5 % of the ellipsoid, far below the noise of GPS fixes and planned-route geometry.
 */
export const EARTH_RADIUS_KM = 6371;

const RAD = Math.PI / 180;

/** Great-circle distance between two points, in km (haversine formula). */
export function haversineKm(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  // min(1, …): rounding can push h a hair above 1 for antipodal points, and asin(>1) is NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Where a position lies along a planned route; all distances in km. */
export interface RouteProgress {
  totalKm: number;
  travelledKm: number;
  remainingKm: number;
  /** travelledKm / totalKm, 0..1; 0 when the route has no length. */
  fraction: number;
  /** Distance from the position to the nearest point of the route. */
  offRouteKm: number;
}

/** Longitude difference folded into -180..180, so segments across the antimeridian stay short. */
function lonDelta(from: number, to: number): number {
  return ((((to - from + 180) % 360) + 360) % 360) - 180;
}

/**
 * Fraction 0..1 along segment a→b of the point nearest to p. Uses a flat projection around the
 * segment (longitudes scaled by cos(latitude)), accurate for road segments up to a few hundred km.
 */
function projectOnSegment(a: LatLon, b: LatLon, p: LatLon): number {
  const k = Math.cos(((a.lat + b.lat) / 2) * RAD);
  const bx = lonDelta(a.lon, b.lon) * k;
  const by = b.lat - a.lat;
  const px = lonDelta(a.lon, p.lon) * k;
  const py = p.lat - a.lat;
  const len2 = bx * bx + by * by;
  if (len2 === 0) return 0;
  return Math.min(1, Math.max(0, (px * bx + py * by) / len2));
}

function interpolate(a: LatLon, b: LatLon, t: number): LatLon {
  return { lat: a.lat + (b.lat - a.lat) * t, lon: a.lon + lonDelta(a.lon, b.lon) * t };
}

/** Projects a position onto the nearest segment of a route and measures how far along it is. */
export function routeProgress(waypoints: LatLon[], pos: LatLon): RouteProgress {
  const first = waypoints[0];
  if (!first) return { totalKm: 0, travelledKm: 0, remainingKm: 0, fraction: 0, offRouteKm: 0 };
  // Start from the first waypoint itself, so a one-point route still measures offRouteKm.
  let bestOffKm = haversineKm(first, pos);
  let bestTravelledKm = 0;
  let totalKm = 0;
  let a = first;
  for (const b of waypoints.slice(1)) {
    const segKm = haversineKm(a, b);
    const t = projectOnSegment(a, b, pos);
    const offKm = haversineKm(interpolate(a, b, t), pos);
    // Strictly smaller: on a tie (a shared vertex, a route that doubles back) the earlier segment wins.
    if (offKm < bestOffKm) {
      bestOffKm = offKm;
      bestTravelledKm = totalKm + t * segKm;
    }
    totalKm += segKm;
    a = b;
  }
  const travelledKm = Math.min(totalKm, Math.max(0, bestTravelledKm));
  return {
    totalKm,
    travelledKm,
    remainingKm: totalKm - travelledKm,
    fraction: totalKm > 0 ? travelledKm / totalKm : 0,
    offRouteKm: bestOffKm,
  };
}
