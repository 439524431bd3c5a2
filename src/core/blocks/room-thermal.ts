import { roomTemperature } from '../sim/room-temperature.ts';
import type { BlockDefinition } from './model-block.ts';
import { physicsBlock } from './physics-predictor.ts';

export const roomThermalBlock: BlockDefinition = {
  name: 'room-thermal',
  version: '1.0.0',
  description: 'Predicts a room temperature from the previous one and the heater power (first-order model); a large residual is an anomaly (an open window, a failed heater)',
  params: {
    ...Object.fromEntries(Object.entries(roomTemperature.params).map(([k, s]) => [k, { default: s.default, description: s.description }])),
    control_field: { default: 'heater_power', description: 'the telemetry field holding the heater power' },
    anomaly_threshold: { default: 0.5, description: 'residual (°C) above which a reading is an anomaly' },
  },
  create: physicsBlock(roomTemperature, 'temperature', { controlField: 'heater_power', threshold: 0.5 }),
  simulation: roomTemperature,
};
