/**
 * Real freight lanes for the demo fleet: origin, destination and the towns the motorway passes,
 * in order. Coordinates are city centres (WGS84), close enough to the road for a dashboard.
 */
import type { Place } from '../../src/shared/fleet';

/** One lane: the first place is the origin, the last the destination. */
export interface Lane {
  id: string;
  /** Country of registration for plates of trucks based at the origin. */
  plateStyle: 'NL' | 'FR' | 'DE' | 'ES' | 'SE' | 'AT' | 'GB' | 'BE' | 'IT' | 'US';
  places: Place[];
}

const p = (name: string, lat: number, lon: number): Place => ({ name, lat, lon });

/** European lanes (acme's network). */
export const EUROPE_LANES: Lane[] = [
  {
    id: 'rtm-muc',
    plateStyle: 'NL',
    places: [
      p('Rotterdam', 51.9244, 4.4777), p('Eindhoven', 51.4416, 5.4697), p('Venlo', 51.3704, 6.1724),
      p('Cologne', 50.9375, 6.9603), p('Frankfurt am Main', 50.1109, 8.6821), p('Würzburg', 49.7913, 9.9534),
      p('Nuremberg', 49.4521, 11.0767), p('Ingolstadt', 48.7665, 11.4258), p('Munich', 48.1351, 11.582),
    ],
  },
  {
    id: 'lys-mil',
    plateStyle: 'FR',
    places: [
      p('Lyon', 45.764, 4.8357), p('Chambéry', 45.5646, 5.9178), p('Saint-Jean-de-Maurienne', 45.2766, 6.3457),
      p('Modane', 45.2, 6.6667), p('Susa', 45.1376, 7.0497), p('Turin', 45.0703, 7.6869),
      p('Novara', 45.4469, 8.622), p('Milan', 45.4642, 9.19),
    ],
  },
  {
    id: 'ham-waw',
    plateStyle: 'DE',
    places: [
      p('Hamburg', 53.5511, 9.9937), p('Wittstock', 53.1631, 12.4853), p('Berlin', 52.52, 13.405),
      p('Frankfurt (Oder)', 52.3471, 14.5506), p('Poznań', 52.4064, 16.9252), p('Konin', 52.223, 18.2511),
      p('Stryków', 51.9, 19.6), p('Warsaw', 52.2297, 21.0122),
    ],
  },
  {
    id: 'bcn-par',
    plateStyle: 'ES',
    places: [
      p('Barcelona', 41.3874, 2.1686), p('Girona', 41.9794, 2.8214), p('Perpignan', 42.6887, 2.8948),
      p('Narbonne', 43.1843, 3.0036), p('Montpellier', 43.6108, 3.8767), p('Orange', 44.1381, 4.8075),
      p('Valence', 44.9334, 4.8924), p('Lyon', 45.764, 4.8357), p('Mâcon', 46.3069, 4.8287),
      p('Auxerre', 47.7982, 3.5673), p('Paris', 48.8566, 2.3522),
    ],
  },
  {
    id: 'anr-prg',
    plateStyle: 'BE',
    places: [
      p('Antwerp', 51.2194, 4.4025), p('Liège', 50.6326, 5.5797), p('Aachen', 50.7753, 6.0839),
      p('Cologne', 50.9375, 6.9603), p('Frankfurt am Main', 50.1109, 8.6821), p('Würzburg', 49.7913, 9.9534),
      p('Nuremberg', 49.4521, 11.0767), p('Pilsen', 49.7384, 13.3736), p('Prague', 50.0755, 14.4378),
    ],
  },
  {
    id: 'mad-lis',
    plateStyle: 'ES',
    places: [
      p('Madrid', 40.4168, -3.7038), p('Talavera de la Reina', 39.9635, -4.8308), p('Navalmoral de la Mata', 39.8919, -5.5408),
      p('Mérida', 38.9161, -6.3437), p('Badajoz', 38.8794, -6.9707), p('Elvas', 38.88, -7.163),
      p('Évora', 38.5714, -7.9135), p('Lisbon', 38.7223, -9.1393),
    ],
  },
  {
    id: 'got-osl',
    plateStyle: 'SE',
    places: [
      p('Gothenburg', 57.7089, 11.9746), p('Uddevalla', 58.3498, 11.9381), p('Strömstad', 58.9395, 11.1712),
      p('Sarpsborg', 59.284, 11.1096), p('Moss', 59.434, 10.6577), p('Oslo', 59.9139, 10.7522),
    ],
  },
  {
    id: 'vie-beg',
    plateStyle: 'AT',
    places: [
      p('Vienna', 48.2082, 16.3738), p('Győr', 47.6875, 17.6504), p('Budapest', 47.4979, 19.0402),
      p('Kecskemét', 46.8964, 19.6897), p('Szeged', 46.253, 20.1414), p('Subotica', 46.1, 19.667),
      p('Novi Sad', 45.2671, 19.8335), p('Belgrade', 44.7866, 20.4489),
    ],
  },
  {
    id: 'fxt-man',
    plateStyle: 'GB',
    places: [
      p('Felixstowe', 51.9642, 1.3515), p('Ipswich', 52.0567, 1.1482), p('Cambridge', 52.2053, 0.1218),
      p('Huntingdon', 52.331, -0.184), p('Kettering', 52.399, -0.725), p('Rugby', 52.3709, -1.265),
      p('Birmingham', 52.4862, -1.8904), p('Stoke-on-Trent', 53.0027, -2.1794), p('Manchester', 53.4808, -2.2426),
    ],
  },
  {
    id: 'mrs-goa',
    plateStyle: 'FR',
    places: [
      p('Marseille', 43.2965, 5.3698), p('Aix-en-Provence', 43.5297, 5.4474), p('Brignoles', 43.4058, 6.0615),
      p('Cannes', 43.5528, 7.0174), p('Nice', 43.7102, 7.262), p('Ventimiglia', 43.7903, 7.608),
      p('Savona', 44.3091, 8.4772), p('Genoa', 44.4056, 8.9463),
    ],
  },
  {
    id: 'dui-zrh',
    plateStyle: 'DE',
    places: [
      p('Duisburg', 51.4344, 6.7623), p('Cologne', 50.9375, 6.9603), p('Koblenz', 50.3569, 7.589),
      p('Mainz', 49.9929, 8.2473), p('Mannheim', 49.4875, 8.466), p('Karlsruhe', 49.0069, 8.4037),
      p('Freiburg im Breisgau', 47.999, 7.8421), p('Basel', 47.5596, 7.5886), p('Zürich', 47.3769, 8.5417),
    ],
  },
  {
    id: 'bre-cph',
    plateStyle: 'DE',
    places: [
      p('Bremen', 53.0793, 8.8017), p('Hamburg', 53.5511, 9.9937), p('Lübeck', 53.8655, 10.6866),
      p('Puttgarden', 54.4995, 11.2258), p('Rødby', 54.6553, 11.3541), p('Vordingborg', 55.009, 11.911),
      p('Køge', 55.458, 12.1821), p('Copenhagen', 55.6761, 12.5683),
    ],
  },
];

/** US lanes (globex's network). */
export const US_LANES: Lane[] = [
  {
    id: 'chi-den',
    plateStyle: 'US',
    places: [
      p('Chicago, IL', 41.8781, -87.6298), p('Davenport, IA', 41.5236, -90.5776), p('Iowa City, IA', 41.6611, -91.5302),
      p('Des Moines, IA', 41.5868, -93.625), p('Omaha, NE', 41.2565, -95.9345), p('Lincoln, NE', 40.8136, -96.7026),
      p('Kearney, NE', 40.6994, -99.0832), p('North Platte, NE', 41.124, -100.7654), p('Sterling, CO', 40.6255, -103.2077),
      p('Denver, CO', 39.7392, -104.9903),
    ],
  },
  {
    id: 'lax-phx',
    plateStyle: 'US',
    places: [
      p('Los Angeles, CA', 34.0522, -118.2437), p('Ontario, CA', 34.0633, -117.6509), p('Palm Springs, CA', 33.8303, -116.5453),
      p('Indio, CA', 33.7206, -116.2156), p('Blythe, CA', 33.6103, -114.5964), p('Quartzsite, AZ', 33.6639, -114.2299),
      p('Buckeye, AZ', 33.3703, -112.5838), p('Phoenix, AZ', 33.4484, -112.074),
    ],
  },
  {
    id: 'atl-dal',
    plateStyle: 'US',
    places: [
      p('Atlanta, GA', 33.749, -84.388), p('Birmingham, AL', 33.5186, -86.8104), p('Tuscaloosa, AL', 33.2098, -87.5692),
      p('Meridian, MS', 32.3643, -88.7037), p('Jackson, MS', 32.2988, -90.1848), p('Monroe, LA', 32.5093, -92.1193),
      p('Shreveport, LA', 32.5252, -93.7502), p('Longview, TX', 32.5007, -94.7405), p('Dallas, TX', 32.7767, -96.797),
    ],
  },
  {
    id: 'sea-sac',
    plateStyle: 'US',
    places: [
      p('Seattle, WA', 47.6062, -122.3321), p('Tacoma, WA', 47.2529, -122.4443), p('Olympia, WA', 47.0379, -122.9007),
      p('Centralia, WA', 46.7162, -122.9543), p('Kelso, WA', 46.1468, -122.9084), p('Portland, OR', 45.5152, -122.6784),
      p('Salem, OR', 44.9429, -123.0351), p('Eugene, OR', 44.0521, -123.0868), p('Medford, OR', 42.3265, -122.8756),
      p('Redding, CA', 40.5865, -122.3917), p('Sacramento, CA', 38.5816, -121.4944),
    ],
  },
  {
    id: 'ewr-cmh',
    plateStyle: 'US',
    places: [
      p('Newark, NJ', 40.7357, -74.1724), p('Allentown, PA', 40.6023, -75.4714), p('Harrisburg, PA', 40.2732, -76.8867),
      p('Breezewood, PA', 40.0009, -78.2428), p('Pittsburgh, PA', 40.4406, -79.9959), p('Wheeling, WV', 40.064, -80.7209),
      p('Cambridge, OH', 40.0312, -81.5885), p('Zanesville, OH', 39.9403, -82.0132), p('Columbus, OH', 39.9612, -82.9988),
    ],
  },
];
