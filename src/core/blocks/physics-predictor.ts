/**
 * A block around a simulation model: between two readings it steps the model from the previous state under the
 * previous control input (zero-order hold) and compares the prediction with the new reading. A residual over
 * `anomaly_threshold` is an anomaly, and the model then keeps its own prediction instead of the suspect reading.
 */
import { defaultParams, resolveParams, type SimModel, type SimParams, type SimState } from '../sim/sim-model.ts';
import type { JsonObject } from '../types.ts';
import { numberParam, numericValue, stringParam, type BlockOutput, type BlockReading, type ModelBlock, type ModelBlockContext } from './model-block.ts';

export interface PhysicsTrack {
  state: SimState;
  ts: number;
  control: number;
}

/** The model's own parameters out of a block's params (the block has others: control_field, thresholds). */
export function modelParams(model: SimModel, params: JsonObject): SimParams {
  const own = Object.fromEntries(Object.entries(params).filter(([k]) => k in model.params));
  const { params: resolved, problems } = resolveParams(model, defaultParams(model), own);
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  return resolved;
}

/** The prediction of the model for `msg`, or undefined for the first reading. */
export function predict(model: SimModel, params: SimParams, stateKey: string, track: PhysicsTrack | undefined, msg: BlockReading): number | undefined {
  if (track === undefined) return undefined;
  const dt = (msg.ts - track.ts) / 1000;
  if (!(dt > 0)) return track.state[stateKey];
  return model.step(track.state, params, track.control, dt)[stateKey];
}

export function physicsBlock(model: SimModel, stateKey: string, defaults: { controlField: string; threshold: number }): () => ModelBlock {
  return () => {
    let params: SimParams = defaultParams(model);
    let controlField = defaults.controlField;
    let threshold = defaults.threshold;
    let track: PhysicsTrack | undefined;
    return {
      init(ctx: ModelBlockContext) {
        params = modelParams(model, ctx.params);
        controlField = stringParam(ctx.params, 'control_field', defaults.controlField);
        threshold = numberParam(ctx.params, 'anomaly_threshold', defaults.threshold);
        track = undefined;
      },
      process(msg: BlockReading): BlockOutput {
        const z = msg.value;
        const control = numericValue(msg.values, controlField) ?? track?.control ?? 0;
        const predicted = predict(model, params, stateKey, track, msg);
        const residual = predicted === undefined ? 0 : z - predicted;
        const anomaly = Math.abs(residual) > threshold;
        const base = track?.state ?? model.initial(params);
        track = { state: { ...base, time: base.time! + (track === undefined ? 0 : (msg.ts - track.ts) / 1000), [stateKey]: anomaly ? predicted! : z }, ts: msg.ts, control };
        return { raw_value: z, twin_estimate: predicted ?? z, anomaly_flag: anomaly, residual };
      },
      shutdown() {},
      snapshot: (): JsonObject => (track === undefined ? {} : { state: track.state, ts: track.ts, control: track.control }),
    };
  };
}
