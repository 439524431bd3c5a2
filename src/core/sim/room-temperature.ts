/** The dual-system seed's room: dT/dt = (T_amb − T)/tau + gain·u, u the heater power. */
import { integrate, type SolverOptions } from './dormand-prince.ts';
import type { SimModel, SimParams, SimState } from './sim-model.ts';

export function roomDerivative(params: SimParams, power: number, temperature: number): number {
  return (params.ambient_temperature! - temperature) / params.time_constant! + params.heater_gain! * power;
}

export const roomTemperature: SimModel = {
  name: 'room_temperature',
  description: 'First-order room: dT/dt = (T_amb − T)/tau + gain·u',
  control: 'heater power u',
  initialFrom: 'initial_temperature',
  params: {
    ambient_temperature: { default: 20.0, description: 'T_amb, °C' },
    time_constant: { default: 600.0, min: 0, exclusiveMin: true, description: 'tau, s' },
    heater_gain: { default: 0.01, description: 'gain, °C/s per unit of power' },
    initial_temperature: { default: 20.0, description: 'T at time 0, °C' },
  },
  initial(params) {
    return { time: 0, temperature: params.initial_temperature!, heater_power: 0 };
  },
  step(state: SimState, params: SimParams, control: number, dt: number, solver?: SolverOptions): SimState {
    const { y } = integrate((_t, T) => [roomDerivative(params, control, T[0]!)], 0, [state.temperature!], dt, solver);
    return { time: state.time! + dt, temperature: y[0]!, heater_power: control };
  },
};
