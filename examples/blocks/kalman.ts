/**
 * The PyEdgeTwin seed's KalmanFilter model block, ported line by line to TypeScript. Run it with
 * `twinflow run -c examples/runtime/config.yaml` (model.module_path: "../blocks/kalman.ts:KalmanFilter").
 */
import type { BlockOutput, BlockReading, ModelBlock, ModelBlockContext } from '../../src/core/blocks/model-block.ts';

export class KalmanFilter implements ModelBlock {
  Q = 0.01;
  R = 0.1;
  x = 0.0;
  P = 1.0;

  init(context: ModelBlockContext): void {
    this.Q = typeof context.config.process_noise === 'number' ? context.config.process_noise : 0.01;
    this.R = typeof context.config.measurement_noise === 'number' ? context.config.measurement_noise : 0.1;
    this.x = 0.0; // State estimate
    this.P = 1.0; // Error covariance
  }

  process(msg: BlockReading): BlockOutput {
    const z = msg.value ?? 0.0;

    // Prediction
    const [x_pred, P_pred] = [this.x, this.P + this.Q];

    // Update
    const K = P_pred / (P_pred + this.R);
    this.x = x_pred + K * (z - x_pred);
    this.P = (1 - K) * P_pred;

    return {
      raw_value: z,
      twin_estimate: this.x,
      anomaly_flag: Math.abs(z - this.x) > 3 * (P_pred + this.R) ** 0.5,
      residual: z - this.x,
    };
  }

  shutdown(): void {}
}
