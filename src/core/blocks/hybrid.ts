/**
 * Physics plus a learned correction (the PyEdgeTwin seed's "hybrid" models): the physics model predicts, and a
 * linear correction fitted online by recursive least squares to the physics' own residuals adds what the physics
 * leaves out. The correction is a rate, θ·[1, x, u], times the time step, so irregular sampling is fine and a
 * constant unmodelled heat loss or leak is learned exactly. Its error falls as data comes in.
 */
import { rlsInitial, rlsPredict, rlsUpdate, type RlsState } from '../sim/rls.ts';
import { roomTemperature } from '../sim/room-temperature.ts';
import type { SimModel, SimParams } from '../sim/sim-model.ts';
import { waterTank } from '../sim/water-tank.ts';
import { numberParam, numericValue, stringParam, type BlockDefinition, type ModelBlock } from './model-block.ts';
import { modelParams, predict, type PhysicsTrack } from './physics-predictor.ts';

const PHYSICS: Record<string, { model: SimModel; stateKey: string; controlField: string }> = {
  room_temperature: { model: roomTemperature, stateKey: 'temperature', controlField: 'heater_power' },
  water_tank: { model: waterTank, stateKey: 'level', controlField: 'inflow' },
};

export const hybridBlock: BlockDefinition = {
  name: 'hybrid',
  version: '1.0.0',
  description: 'Physics model (room_temperature or water_tank) plus an RLS-learned correction of its residuals',
  params: {
    physics: { default: 'room_temperature', description: 'room_temperature or water_tank; its parameters go alongside' },
    control_field: { description: 'telemetry field of the control input (default heater_power / inflow)' },
    forgetting: { default: 0.999, description: 'RLS forgetting factor λ in (0, 1]' },
    anomaly_threshold: { default: 1.0, description: 'residual above which a reading is an anomaly (and not learned from)' },
  },
  create(): ModelBlock {
    let physics = PHYSICS.room_temperature!;
    let params: SimParams = {};
    let controlField = physics.controlField;
    let lambda = 0.999;
    let threshold = 1;
    let rls: RlsState = rlsInitial(3);
    let track: PhysicsTrack | undefined;
    return {
      init(ctx) {
        const name = stringParam(ctx.params, 'physics', 'room_temperature');
        const chosen = PHYSICS[name];
        if (chosen === undefined) throw new Error(`hybrid: physics must be one of ${Object.keys(PHYSICS).join(', ')}, not "${name}"`);
        physics = chosen;
        params = modelParams(physics.model, ctx.params);
        controlField = stringParam(ctx.params, 'control_field', physics.controlField);
        lambda = numberParam(ctx.params, 'forgetting', 0.999);
        threshold = numberParam(ctx.params, 'anomaly_threshold', 1);
        rls = rlsInitial(3, 1);
        track = undefined;
      },
      process(msg) {
        const z = msg.value;
        const control = numericValue(msg.values, controlField) ?? track?.control ?? 0;
        const base = predict(physics.model, params, physics.stateKey, track, msg);
        if (base === undefined || track === undefined) {
          const state = physics.model.initial(params);
          track = { state: { ...state, [physics.stateKey]: z }, ts: msg.ts, control };
          return { raw_value: z, twin_estimate: z, anomaly_flag: false, residual: 0, physics_residual: 0 };
        }
        const dt = Math.max((msg.ts - track.ts) / 1000, 0);
        const phi = [dt, track.state[physics.stateKey]! * dt, track.control * dt];
        const estimate = base + rlsPredict(rls, phi);
        const residual = z - estimate;
        const anomaly = Math.abs(residual) > threshold;
        if (!anomaly) rls = rlsUpdate(rls, phi, z - base, lambda);
        track = { state: { ...track.state, time: track.state.time! + dt, [physics.stateKey]: anomaly ? estimate : z }, ts: msg.ts, control };
        return { raw_value: z, twin_estimate: estimate, anomaly_flag: anomaly, residual, physics_residual: z - base };
      },
      shutdown() {},
      snapshot: () => ({ theta: rls.theta, ...(track === undefined ? {} : { state: track.state, ts: track.ts }) }),
    };
  },
};
