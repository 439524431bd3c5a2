/**
 * The worker-thread side of an isolated model block (see worker-block.ts): loads the user's module in this thread,
 * answers init/process/shutdown requests one at a time, and forwards the block's logs and saved state to the main
 * thread. A block that loops forever blocks only this thread, which the main thread terminates.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ModelBlock, ModelBlockContext } from '../core/blocks/model-block.ts';
import { seededRandom } from '../core/random.ts';
import { loadBlockModule } from './blocks-loader.ts';
import type { WorkerReply, WorkerRequest } from './worker-block.ts';

interface Data {
  modulePath: string;
  baseDir: string;
  version: string;
}

const port = parentPort;
if (port === null) throw new Error('block-worker.ts runs only as a worker thread');
const data = workerData as Data;

let block: ModelBlock | undefined;
// The main thread's clock at the last request: blocks see the engine's time, not this thread's wall clock.
let now = 0;

const reply = (r: WorkerReply) => port.postMessage(r);
const log =
  (level: 'debug' | 'info' | 'warn' | 'error') =>
  (obj: object | string, msg?: string): void =>
    reply({ type: 'log', level, obj: typeof obj === 'string' ? { msg: obj } : safe(obj), ...(msg === undefined ? {} : { msg }) });
const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };

async function handle(req: WorkerRequest): Promise<unknown> {
  now = req.now;
  switch (req.op) {
    case 'init': {
      const definition = await loadBlockModule(data.modulePath, data.baseDir, data.version);
      block = definition.create();
      let saved = req.saved;
      const ctx: ModelBlockContext = {
        ...req.ctx,
        config: req.ctx.params,
        logger,
        now: () => now,
        random: req.seed === undefined ? Math.random : seededRandom(req.seed),
        state: {
          load: () => saved,
          save: (s) => {
            saved = s;
            reply({ type: 'save', state: s });
          },
        },
      };
      await block.init(ctx);
      return block.snapshot?.();
    }
    case 'process': {
      if (block === undefined) throw new Error('process before init');
      const out = await block.process(req.msg);
      return { out, snapshot: block.snapshot?.() };
    }
    case 'shutdown':
      await block?.shutdown();
      return undefined;
  }
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (result) => reply({ type: 'result', id: req.id, ok: true, result }),
    (err: unknown) => reply({ type: 'result', id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

/** Log objects cross threads by structured clone; what cannot be cloned (functions, errors' extras) goes as text. */
function safe(obj: object): object {
  if (obj instanceof Error) return { err: obj.message };
  try {
    return structuredClone(obj);
  } catch {
    return { value: String(obj) };
  }
}
