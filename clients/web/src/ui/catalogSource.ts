/**
 * The catalog line under the title ("MPC CometEls.txt · 2024-09-07 · 1,163 comets"), from
 * /api/health. Servers name the source and date in a few ways over versions; this reads them
 * all and falls back to the catalog version. Pure, so it is unit-tested.
 */
import type { Health } from "../api/types";

export function describeCatalog(health: Health): string {
  const c = health.catalog ?? {};
  const source = health.catalog_source ?? health.source ?? c.source ?? c.origin ?? "";
  const date = health.catalog_date ?? health.date ?? c.date ?? "";
  const count = health.comets ?? c.comets ?? c.count ?? 0;
  if (health.status === "no catalog") return "No comet catalog loaded";
  const parts = [source ? `Catalog: ${source}` : `Catalog ${health.catalog_version || "(unnamed)"}`];
  if (date) parts.push(date);
  parts.push(`${count.toLocaleString("en-US")} comets`);
  return parts.join(" \u00b7 ");
}
