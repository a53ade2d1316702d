/**
 * A worker thread of a parallel fold: one `Shard`, driven by requests from the main thread, each
 * answered in turn (`{id, value}` or `{id, error}`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type Request, serve } from './protocol.js';
import { Shard, type ShardOptions } from './shard.js';

const port = parentPort;
if (port === null) throw new Error('fold/worker.js runs as a worker thread');
const shard = new Shard(workerData as ShardOptions);
port.on('message', (request: Request & { readonly id: number }) => {
  try {
    const [value, transfer] = serve(shard, request);
    port.postMessage({ id: request.id, value }, transfer);
  } catch (error) {
    port.postMessage({
      id: request.id,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
});
