/**
 * Sky projections for the sky chart, pure so they are unit-tested.
 * - stereographic: conformal (constellation shapes and the uncertainty ellipse keep their
 *   form), centred on (ra0, dec0), north up and east to the left as the sky is seen;
 * - horizontal: a zenith-centred stereographic view of the sky dome from a site (azimuth
 *   measured from north through east, east on the left when facing south, as on a planisphere).
 * All angles in degrees; outputs in radians of the projection plane (multiply by a scale).
 */
const D2R = Math.PI / 180;

/** Stereographic (x to the east = left when drawn with -x, y to the north), or null beyond ~170 degrees. */
export function stereographic(raDeg: number, decDeg: number, ra0Deg: number, dec0Deg: number): [number, number] | null {
  const ra = raDeg * D2R, dec = decDeg * D2R, ra0 = ra0Deg * D2R, dec0 = dec0Deg * D2R;
  const cosc = Math.sin(dec0) * Math.sin(dec) + Math.cos(dec0) * Math.cos(dec) * Math.cos(ra - ra0);
  if (cosc < -0.98) return null;
  const k = 2 / (1 + cosc);
  const x = k * Math.cos(dec) * Math.sin(ra - ra0);
  const y = k * (Math.cos(dec0) * Math.sin(dec) - Math.sin(dec0) * Math.cos(dec) * Math.cos(ra - ra0));
  return [x, y];
}

/** Angular distance between two directions (degrees). */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const a = Math.sin(((dec2 - dec1) * D2R) / 2) ** 2 + Math.cos(dec1 * D2R) * Math.cos(dec2 * D2R) * Math.sin(((ra2 - ra1) * D2R) / 2) ** 2;
  return (2 * Math.asin(Math.min(1, Math.sqrt(a)))) / D2R;
}

/** Zenith-centred stereographic of (azimuth, elevation): the horizon is the circle of radius 1. */
export function horizontal(azDeg: number, elDeg: number): [number, number] | null {
  if (elDeg < -10) return null;
  const zenithDistance = (90 - elDeg) * D2R;
  const rho = Math.tan(zenithDistance / 2); // 1 at the horizon
  const az = azDeg * D2R;
  return [-rho * Math.sin(az), rho * Math.cos(az)]; // north up, east left
}

/**
 * Hour angle (degrees) and so the local sidereal time of a site at latitude latDeg from one
 * direction known in both frames (the comet: RA/Dec and azimuth/elevation from /observe):
 * LST = RA + H. This turns every star's RA/Dec into the same horizontal frame as the engine's
 * comet, without a second clock or Earth-rotation model in the viewer.
 */
export function localSiderealDeg(raDeg: number, decDeg: number, azDeg: number, elDeg: number, latDeg: number): number {
  const az = azDeg * D2R, el = elDeg * D2R, lat = latDeg * D2R;
  const sinH = -Math.sin(az) * Math.cos(el);
  const cosH = Math.sin(el) * Math.cos(lat) - Math.cos(el) * Math.cos(az) * Math.sin(lat);
  void decDeg;
  const hourAngle = Math.atan2(sinH, cosH) / D2R;
  return (((raDeg + hourAngle) % 360) + 360) % 360;
}

/** Azimuth (from north through east) and elevation (degrees) of RA/Dec at a site and LST. */
export function toHorizontal(raDeg: number, decDeg: number, lstDeg: number, latDeg: number): [number, number] {
  const H = (lstDeg - raDeg) * D2R, dec = decDeg * D2R, lat = latDeg * D2R;
  const sinEl = Math.sin(lat) * Math.sin(dec) + Math.cos(lat) * Math.cos(dec) * Math.cos(H);
  const el = Math.asin(Math.max(-1, Math.min(1, sinEl)));
  const y = -Math.cos(dec) * Math.sin(H);
  const x = Math.sin(dec) * Math.cos(lat) - Math.cos(dec) * Math.cos(H) * Math.sin(lat);
  const az = Math.atan2(y, x);
  return [(((az / D2R) % 360) + 360) % 360, el / D2R];
}
