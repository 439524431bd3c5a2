import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultParams, resolveParams } from '../../../src/core/sim/sim-model.ts';
import { roomTemperature } from '../../../src/core/sim/room-temperature.ts';
import { waterTank } from '../../../src/core/sim/water-tank.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

/**
 * The tank's exact solution in implicit form. With s = sqrt(h), k = a·sqrt(2g)/A, c = q/A:
 * t = (2/k)·[(s0 − s) + (c/k)·ln((c − k·s0)/(c − k·s))], and for c = 0: s = s0 − k·t/2.
 * Solved for s by bisection to machine precision.
 */
function tankLevel(A: number, a: number, g: number, h0: number, q: number, t: number): number {
  const k = (a * Math.sqrt(2 * g)) / A;
  const c = q / A;
  const s0 = Math.sqrt(h0);
  if (c === 0) return Math.max(s0 - (k * t) / 2, 0) ** 2;
  const time = (s: number) => (2 / k) * (s0 - s + (c / k) * Math.log((c - k * s0) / (c - k * s)));
  const sEq = c / k;
  let lo = Math.min(s0, sEq);
  let hi = Math.max(s0, sEq);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    // time() grows as s moves from s0 towards the equilibrium.
    const towards = s0 < sEq ? time(mid) < t : time(mid) > t || time(mid) < 0;
    if (s0 < sEq ? towards : time(mid) < t) {
      if (s0 < sEq) lo = mid;
      else hi = mid;
    } else if (s0 < sEq) hi = mid;
    else lo = mid;
  }
  return ((lo + hi) / 2) ** 2;
}

describe('water_tank', () => {
  it('drains as Torricelli says, to 1e-6 relative', () => {
    const p = defaultParams(waterTank);
    let state = waterTank.initial(p);
    for (let i = 1; i <= 10; i++) {
      state = waterTank.step(state, p, 0, 1);
      expect(rel(state.level!, tankLevel(1, 0.01, 9.81, 1, 0, i))).toBeLessThan(1e-6);
    }
    expect(state.time).toBe(10);
    expect(state.outflow).toBeCloseTo(0.01 * Math.sqrt(2 * 9.81 * state.level!), 12);
  });

  it('agrees with the implicit exact solution under constant inflow, to 1e-6 relative', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        fc.double({ min: 0.005, max: 0.05, noNaN: true }),
        fc.double({ min: 0.1, max: 1.5, noNaN: true }),
        fc.double({ min: 0.001, max: 0.05, noNaN: true }),
        fc.double({ min: 1, max: 120, noNaN: true }),
        (A, a, h0, q, t) => {
          const p = { ...defaultParams(waterTank), tank_area: A, outlet_area: a, initial_level: h0, max_level: 1e6 };
          const state = waterTank.step(waterTank.initial(p), p, q, t);
          const exact = tankLevel(A, a, 9.81, h0, q, t);
          // Below atol/rtol = 1 mm the absolute tolerance governs (a nearly empty tank).
          expect(Math.abs(state.level! - exact) / Math.max(exact, 1e-3)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('overflows at the rim: level stays at max_level and the excess spills', () => {
    const p = defaultParams(waterTank);
    const state = waterTank.step(waterTank.initial(p), p, 10, 1);
    expect(state.level).toBe(2);
    expect(state.overflow).toBeCloseTo(10 - 0.01 * Math.sqrt(2 * 9.81 * 2), 9);
  });

  it('rejects bad parameters with every problem', () => {
    const { problems } = resolveParams(waterTank, defaultParams(waterTank), { tank_area: 0, g: 'x', volume: 3 });
    expect(problems.map((p) => p.path).sort()).toEqual(['params.g', 'params.tank_area', 'params.volume']);
    expect(resolveParams(waterTank, defaultParams(waterTank), { initial_level: 3 }).problems[0]?.path).toBe('params.initial_level');
  });
});

describe('room_temperature', () => {
  it('follows T_eq + (T0 − T_eq)·exp(−t/tau) to 1e-6 relative', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 35, noNaN: true }),
        fc.double({ min: 10, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0.1, max: 3600, noNaN: true }),
        (Ta, tau, gain, u, t) => {
          const p = { ambient_temperature: Ta, time_constant: tau, heater_gain: gain, initial_temperature: 15 };
          const state = roomTemperature.step(roomTemperature.initial(p), p, u, t);
          const Teq = Ta + tau * gain * u;
          const exact = Teq + (15 - Teq) * Math.exp(-t / tau);
          // Relative to the magnitude, and to 1 °C near 0 °C, where a relative error means nothing.
          expect(Math.abs(state.temperature! - exact) / Math.max(Math.abs(exact), 1)).toBeLessThan(1e-6);
          expect(state.heater_power).toBe(u);
        },
      ),
      { numRuns: 100 },
    );
  });
});
