import { waterTank } from '../sim/water-tank.ts';
import type { BlockDefinition } from './model-block.ts';
import { physicsBlock } from './physics-predictor.ts';

export const waterTankBlock: BlockDefinition = {
  name: 'water-tank',
  version: '1.0.0',
  description: 'Predicts the tank level from the previous level and inflow (Torricelli); a large residual is an anomaly (a leak, a stuck sensor)',
  params: {
    ...Object.fromEntries(Object.entries(waterTank.params).map(([k, s]) => [k, { default: s.default, description: s.description }])),
    control_field: { default: 'inflow', description: 'the telemetry field holding the inflow, m³/s' },
    anomaly_threshold: { default: 0.05, description: 'residual (m) above which a reading is an anomaly' },
  },
  create: physicsBlock(waterTank, 'level', { controlField: 'inflow', threshold: 0.05 }),
  simulation: waterTank,
};
