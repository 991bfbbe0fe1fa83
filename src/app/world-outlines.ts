/**
 * The basemap shipped with the app: land and country borders of Natural Earth at 1:110m
 * (`world-atlas`), TopoJSON turned into GeoJSON on load. A chunk of its own, loaded with the map
 * and precached by the service worker like every script, so the map needs no tile server and
 * works offline.
 */
import type { Feature, FeatureCollection, MultiLineString, Polygon } from 'geojson';
import { feature, mesh } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import world from 'world-atlas/countries-110m.json';

/** A land polygon with its bounds, so a drawing of a region skips the rest of the world. */
export interface LandPolygon {
  /** Rings of [lon, lat]; the first is the outline, the others holes (lakes). */
  rings: number[][][];
  bbox: [number, number, number, number];
}

/** The basemap in the two shapes the maps want. */
export interface Outlines {
  /** Land, one feature per polygon (MapLibre's fill layer). */
  land: FeatureCollection<Polygon>;
  /** Borders between countries, as lines (coasts are the land's edge). */
  borders: Feature<MultiLineString>;
  /** The land's polygons with their bounds (the SVG map). */
  polygons: LandPolygon[];
}

type World = Topology<{ countries: GeometryCollection; land: GeometryCollection }>;

let outlines: Outlines | null = null;

/** The outlines, converted once per page. */
export function worldOutlines(): Outlines {
  if (outlines) return outlines;
  const topology = world as unknown as World;
  const landFeatures = feature(topology, topology.objects.land).features;
  const polygons: LandPolygon[] = [];
  for (const f of landFeatures) {
    const g = f.geometry;
    const list = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const rings of list) polygons.push({ rings, bbox: ringBounds(rings[0] ?? []) });
  }
  const borders = mesh(topology, topology.objects.countries, (a, b) => a !== b);
  outlines = {
    land: {
      type: 'FeatureCollection',
      features: polygons.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: p.rings } })),
    },
    borders: { type: 'Feature', properties: {}, geometry: borders },
    polygons,
  };
  return outlines;
}

function ringBounds(ring: number[][]): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const [lon = 0, lat = 0] of ring) {
    w = Math.min(w, lon);
    e = Math.max(e, lon);
    s = Math.min(s, lat);
    n = Math.max(n, lat);
  }
  return [w, s, e, n];
}
