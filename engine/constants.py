"""Physical constants and units used by the engine, each with its source.

Units inside the engine: astronomical unit (au), day (86,400 s of TDB), TDB Julian date,
radians. Conversions to other units happen at the edges and carry the unit in the name.
"""
import math

# IAU 2012 Resolution B2: the astronomical unit is exactly 149,597,870,700 m.
AU_KM = 149_597_870.700
AU_M = AU_KM * 1000.0
DAY_S = 86_400.0

# Speed of light, exact (SI definition of the metre).
C_KM_S = 299_792.458
C_AU_PER_DAY = C_KM_S * DAY_S / AU_KM  # 173.1446326846693 au/day

# Heliocentric gravitational constant of DE421 / DE43x (GMS in the DE header constants,
# shipped by the PyPI package `de421` as de421/constants.npy). JPL Horizons converts its
# osculating elements with this value: with it, the header elements of a Horizons table
# reproduce its state vectors to 0.3 m.
GM_SUN = 0.2959122082855911e-3  # au^3/day^2
# DE440's GMS (Park et al. 2021, "The JPL Planetary and Lunar Ephemerides DE440 and DE441").
GM_SUN_DE440 = 0.29591220828411956e-3  # au^3/day^2

# Gaussian gravitational constant k (IAU 1976); k^2 is the classical GM_sun in au^3/day^2.
GAUSS_K = 0.01720209895

# Obliquity of the ecliptic at J2000.0, IAU 1976 (Lieske et al. 1977): 84381.448 arcsec.
# The ecliptic-to-ICRF rotation is about +x by +epsilon; this is the value JPL Horizons uses
# for its "ecliptic and mean equinox of reference epoch" frame.
OBLIQUITY_J2000_ARCSEC = 84381.448
OBLIQUITY_J2000_RAD = math.radians(OBLIQUITY_J2000_ARCSEC / 3600.0)

# J2000.0 epoch, TDB Julian date.
J2000_JD = 2451545.0

DEG = math.pi / 180.0

# ---------------------------------------------------------------------------------------------
# Gravitational parameters of the N-body perturbers, per planetary ephemeris (au^3/day^2),
# keyed by NAIF id: 10 Sun, 1 Mercury (barycentre), 2 Venus (barycentre), 399 Earth, 301 Moon,
# 4..9 the Mars..Pluto system barycentres. Earth and Moon are split from the Earth-Moon
# barycentre GM with the ephemeris' own Earth/Moon mass ratio EMRAT:
#   GM_earth = GM_emb * EMRAT / (1 + EMRAT),  GM_moon = GM_emb / (1 + EMRAT).
# Each ephemeris must be integrated with its own GMs: its planets were fitted with them.

# DE421 header constants (GMS, GM1, GM2, GMB, GM4..GM9, EMRAT), as shipped by the PyPI package
# `de421` in de421/constants.npy (Folkner et al. 2009, IPN Progress Report 42-178), au^3/day^2.
DE421_EMRAT = 81.3005690699153
_DE421_GM_EMB = 0.8997011408268049e-9
GM_DE421 = {
    10: GM_SUN,
    1: 0.491254957186794e-10,
    2: 0.7243452332698441e-9,
    399: _DE421_GM_EMB * DE421_EMRAT / (1.0 + DE421_EMRAT),
    301: _DE421_GM_EMB / (1.0 + DE421_EMRAT),
    4: 0.954954869562239e-10,
    5: 0.282534584085505e-6,
    6: 0.8459706073308478e-7,
    7: 0.129202482579265e-7,
    8: 0.152435910924974e-7,
    9: 0.217844105199052e-11,
}

# DE440 / DE441 (Park, Folkner, Williams & Boggs 2021, AJ 161, 105, table 8; the same values are
# in NAIF's gm_de440.tpc), km^3/s^2, converted with the IAU 2012 au and the 86,400 s day.
# The Earth-Moon barycentre GM is GM_earth + GM_moon = 403503.235625 km^3/s^2, and
# EMRAT = 81.3005682214972154 is the ephemeris' mass ratio (their quotient to 1e-10).
_KM3_S2_TO_AU3_D2 = DAY_S**2 / AU_KM**3
DE440_EMRAT = 81.3005682214972154
_DE440_GM_EMB = (398600.435507 + 4902.800118) * _KM3_S2_TO_AU3_D2
GM_DE440 = {
    10: 132712440041.279419 * _KM3_S2_TO_AU3_D2,
    1: 22031.868551 * _KM3_S2_TO_AU3_D2,
    2: 324858.592 * _KM3_S2_TO_AU3_D2,
    399: _DE440_GM_EMB * DE440_EMRAT / (1.0 + DE440_EMRAT),
    301: _DE440_GM_EMB / (1.0 + DE440_EMRAT),
    4: 42828.375816 * _KM3_S2_TO_AU3_D2,
    5: 126712764.1 * _KM3_S2_TO_AU3_D2,
    6: 37940584.8418 * _KM3_S2_TO_AU3_D2,
    7: 5794556.4 * _KM3_S2_TO_AU3_D2,
    8: 6836527.10058 * _KM3_S2_TO_AU3_D2,
    9: 975.5 * _KM3_S2_TO_AU3_D2,
}

# Marsden, Sekanina & Yeomans (1973, AJ 78, 211) water-ice sublimation law
# g(r) = alpha (r/r0)^-m (1 + (r/r0)^n)^-k, normalised to g(1 au) = 1; JPL Horizons' "standard
# model" header values (ALN, R0, NM, NN, NK).
NONGRAV_ALPHA = 0.1112620426
NONGRAV_R0_AU = 2.808
NONGRAV_M = 2.15
NONGRAV_N = 5.093
NONGRAV_K = 4.6142

# Earth's equatorial radius, WGS84 / IERS 2010 (a = 6378.137 km): the unit of the MPC's
# observatory parallax constants rho cos(phi'), rho sin(phi'), and the radius JPL Horizons
# lists for the Earth.
EARTH_EQUATORIAL_RADIUS_M = 6_378_137.0
