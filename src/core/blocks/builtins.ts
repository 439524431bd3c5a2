import { hybridBlock } from './hybrid.ts';
import { kalmanNdBlock } from './kalman-nd.ts';
import { kalmanBlock } from './kalman.ts';
import type { BlockDefinition } from './model-block.ts';
import { roomThermalBlock } from './room-thermal.ts';
import { waterTankBlock } from './water-tank.ts';
import { zscoreBlockV1, zscoreBlockV2 } from './zscore.ts';

/** Every built-in block version; the block registry starts with these. */
export const BUILTIN_BLOCKS: readonly BlockDefinition[] = [
  kalmanBlock,
  kalmanNdBlock,
  waterTankBlock,
  roomThermalBlock,
  hybridBlock,
  zscoreBlockV1,
  zscoreBlockV2,
];
