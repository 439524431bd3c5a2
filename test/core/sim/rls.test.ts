import { describe, expect, it } from 'vitest';
import { rlsInitial, rlsPredict, rlsUpdate } from '../../../src/core/sim/rls.ts';
import { gaussian, seededRandom } from '../../../src/core/random.ts';

describe('recursive least squares', () => {
  it('recovers the coefficients of a noiseless linear relation', () => {
    const truth = [1.5, -2, 0.25];
    let state = rlsInitial(3, 1e6);
    const random = seededRandom(1);
    for (let i = 0; i < 50; i++) {
      const phi = [1, random() * 10, random() * 5];
      state = rlsUpdate(state, phi, truth.reduce((acc, t, j) => acc + t * phi[j]!, 0));
    }
    state.theta.forEach((v, i) => expect(v).toBeCloseTo(truth[i]!, 5));
    expect(rlsPredict(state, [1, 2, 3])).toBeCloseTo(1.5 - 4 + 0.75, 5);
  });

  it('follows a drifting coefficient with forgetting', () => {
    let forget = rlsInitial(1);
    let keep = rlsInitial(1);
    const random = seededRandom(2);
    for (let i = 0; i < 400; i++) {
      const theta = i < 200 ? 1 : 3;
      const phi = [1 + random()];
      const y = theta * phi[0]! + 0.01 * gaussian(random);
      forget = rlsUpdate(forget, phi, y, 0.95);
      keep = rlsUpdate(keep, phi, y, 1);
    }
    expect(forget.theta[0]!).toBeCloseTo(3, 1);
    expect(Math.abs(keep.theta[0]! - 3)).toBeGreaterThan(0.5);
  });
});
