/**
 * Web mode's engine thread: the core (library, model, jobs) runs here, so the HTTP server's event
 * loop stays free to answer searches and serve thumbnails while indexing or training runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngineApi } from '../core/app/api.js';
import { serveRpc, type RpcRequest } from '../core/transport/rpc.js';

const port = parentPort!;
const api = createEngineApi({ dataDir: (workerData as { dataDir: string }).dataDir, watch: true });
const handle = serveRpc(api, (m) => port.postMessage(m));
port.on('message', (m: RpcRequest | { type: 'close' }) => {
  if (m.type === 'close') {
    api.close();
    port.close();
  } else handle(m);
});
