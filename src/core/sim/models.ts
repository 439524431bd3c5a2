/** The built-in simulation models by name, with the block names that share their physics as aliases. */
import { roomTemperature } from './room-temperature.ts';
import type { SimModel } from './sim-model.ts';
import { waterTank } from './water-tank.ts';

export const BUILTIN_SIM_MODELS: readonly SimModel[] = [waterTank, roomTemperature];

/** Block names (§5.4) of the same physics: `water-tank` simulates as `water_tank`. */
export const SIM_MODEL_ALIASES: Readonly<Record<string, string>> = {
  'water-tank': 'water_tank',
  'room-thermal': 'room_temperature',
};
