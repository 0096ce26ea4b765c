/**
 * A field gateway's climate model (domain.md §8): zones whose temperature, humidity and CO2 drift
 * around their setpoints, with now and then a CO2 excursion (a fan that stopped, a door left
 * shut) that climbs past 1,500 ppm and falls back when it ends or someone turns the fan on.
 */
import type { Rng } from '../random';
import { round } from '../random';

export interface ZoneSetpoints {
  temp: number;
  humidity: number;
  co2: number;
}

export interface Zone {
  name: string;
  setpoint: ZoneSetpoints;
  temp: number;
  humidity: number;
  co2: number;
  /** Where CO2 heads during an excursion, and until when. */
  surge: { target: number; until: number } | null;
  /** The gateway's own high-CO2 alert is armed (re-armed once CO2 is back below the clear level). */
  alertArmed: boolean;
}

/** The gateway's own alert: it warns earlier than the console's default CRITICAL threshold. */
export const DEVICE_CO2_ALERT_PPM = 1300;
export const DEVICE_CO2_CLEAR_PPM = 1200;

export function makeZone(name: string, setpoint: ZoneSetpoints): Zone {
  return { name, setpoint, ...setpoint, surge: null, alertArmed: true };
}

export function startSurge(zone: Zone, rng: Rng, now: number): void {
  zone.surge = { target: rng.int(1700, 2300), until: now + rng.int(40_000, 120_000) };
}

/** Advances a zone by one reading interval: mean reversion toward the target plus noise. */
export function stepZone(zone: Zone, rng: Rng, now: number): void {
  if (zone.surge && now >= zone.surge.until) zone.surge = null;
  const co2Target = zone.surge ? zone.surge.target : zone.setpoint.co2;
  const co2Rate = zone.surge ? 0.18 : 0.12;
  zone.co2 = Math.max(350, zone.co2 + co2Rate * (co2Target - zone.co2) + rng.normal(0, 15));
  zone.temp += 0.1 * (zone.setpoint.temp - zone.temp) + rng.normal(0, 0.08);
  zone.humidity = Math.min(
    100,
    Math.max(5, zone.humidity + 0.1 * (zone.setpoint.humidity - zone.humidity) + rng.normal(0, 0.6)),
  );
}

export function zoneReading(zone: Zone): { temp: number; humidity: number; co2: number } {
  return { temp: round(zone.temp, 1), humidity: round(zone.humidity, 1), co2: Math.round(zone.co2) };
}
