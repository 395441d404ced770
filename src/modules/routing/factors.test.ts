import { describe, expect, it } from 'vitest';
import { addDays, bandFor, haversineKm, meetsPromise, shipDay } from './factors.js';
import { builtinRegionCentroid, normalizePostal } from './geo.js';

describe('routing factors', () => {
  it('measures Bengaluru to Delhi as about 1,740 km', () => {
    expect(haversineKm({ lat: 12.9716, lng: 77.5946 }, { lat: 28.6139, lng: 77.209 })).toBeCloseTo(1740, -1);
  });

  it('puts a distance in the first band that reaches it', () => {
    expect(bandFor(10)).toMatchObject({ transit_days: 1 });
    expect(bandFor(300)).toMatchObject({ transit_days: 2 });
    expect(bandFor(9000)).toMatchObject({ transit_days: 6 });
  });

  it('rolls dates over month and year ends', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });

  it('ships tomorrow exactly at the cut-off and today a minute before', () => {
    expect(shipDay(new Date('2026-11-30T10:29:00Z'), 'Asia/Kolkata', '16:00')).toEqual({ ships_on: '2026-11-30', ships_today: true });
    expect(shipDay(new Date('2026-11-30T10:30:00Z'), 'Asia/Kolkata', '16:00')).toEqual({ ships_on: '2026-12-01', ships_today: false });
  });

  it('says nothing about a promise that was not made', () => {
    expect(meetsPromise('2026-11-30', 2, 'Asia/Kolkata', null, null)).toBeNull();
    expect(meetsPromise('2026-11-30', 2, 'Asia/Kolkata', null, new Date('2026-12-02T06:00:00Z'))).toBe(true);
    expect(meetsPromise('2026-11-30', 3, 'Asia/Kolkata', null, new Date('2026-12-02T06:00:00Z'))).toBe(false);
  });

  it('normalises postal codes and finds a region for an unknown PIN by its prefix', () => {
    expect(normalizePostal('us', '10001-1234')).toBe('10001');
    expect(normalizePostal('IN', ' 560 034 ')).toBe('560034');
    expect(builtinRegionCentroid('IN', '411999', null)).toMatchObject({ lat: 18.5204, precision: 'region' });
    expect(builtinRegionCentroid('IN', '799999', null)).toMatchObject({ lat: 25.5, precision: 'region' });
    expect(builtinRegionCentroid('IN', '000000', null)).toBeNull();
  });
});
