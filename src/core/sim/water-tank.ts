/**
 * The dual-system seed's water tank: A·dh/dt = q_in − a·sqrt(2·g·h) (Torricelli outflow through an orifice of
 * area a), the level bounded by the tank: below 0 it cannot fall, and at `max_level` whatever the outlet cannot
 * take spills over the rim (`overflow`, m³/s).
 */
import { integrate, type SolverOptions } from './dormand-prince.ts';
import type { SimModel, SimParams, SimState } from './sim-model.ts';

export function waterTankOutflow(params: SimParams, level: number): number {
  return params.outlet_area! * Math.sqrt(2 * params.g! * Math.max(level, 0));
}

/** dh/dt, zero at the rim while the net flow is inward and at the bottom while it is outward. */
export function waterTankDerivative(params: SimParams, inflow: number, level: number): number {
  const net = inflow - waterTankOutflow(params, level);
  if (level >= params.max_level! && net > 0) return 0;
  if (level <= 0 && net < 0) return 0;
  return net / params.tank_area!;
}

export const waterTank: SimModel = {
  name: 'water_tank',
  description: 'Tank filled at q_in and drained through an orifice: A·dh/dt = q_in − a·sqrt(2·g·h)',
  control: 'inflow q_in in m³/s',
  initialFrom: 'initial_level',
  params: {
    tank_area: { default: 1.0, min: 0, exclusiveMin: true, description: 'cross-section A, m²' },
    outlet_area: { default: 0.01, min: 0, description: 'orifice area a, m²' },
    g: { default: 9.81, min: 0, exclusiveMin: true, description: 'gravity, m/s²' },
    initial_level: { default: 1.0, min: 0, description: 'level at time 0, m' },
    max_level: { default: 2.0, min: 0, exclusiveMin: true, description: 'height of the rim, m' },
  },
  crossCheck(params) {
    return params.initial_level! > params.max_level!
      ? [{ path: 'initial_level', message: `must not exceed max_level (${params.max_level})` }]
      : [];
  },
  initial(params) {
    const level = params.initial_level!;
    return { time: 0, level, inflow: 0, outflow: waterTankOutflow(params, level), overflow: 0 };
  },
  step(state: SimState, params: SimParams, control: number, dt: number, solver?: SolverOptions): SimState {
    const inflow = control;
    const start = state.level!;
    const { y } = integrate((_t, h) => [waterTankDerivative(params, inflow, h[0]!)], 0, [start], dt, solver);
    const level = Math.min(Math.max(y[0]!, 0), params.max_level!);
    const outflow = waterTankOutflow(params, level);
    const overflow = level >= params.max_level! ? Math.max(0, inflow - outflow) : 0;
    return { time: state.time! + dt, level, inflow, outflow, overflow };
  },
};
