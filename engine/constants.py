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
